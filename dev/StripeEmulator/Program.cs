using Cic.StripeEmulator.Hosting;

// Standalone: dotnet Cic.StripeEmulator.dll --urls http://127.0.0.1:12111
// Configuration: Emulator__WebhookUrl, Emulator__WebhookSecret, Emulator__PaymentRetryDays__0=3, … (see README.md).
var app = StripeEmulatorApp.Create(args);
app.Run();
