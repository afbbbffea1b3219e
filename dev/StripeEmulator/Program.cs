using Cic.StripeEmulator.Hosting;

// Standalone: dotnet Cic.StripeEmulator.dll --urls http://127.0.0.1:12111
// Configuration: Emulator__WebhookUrl, Emulator__WebhookSecret, Emulator__Dashboard__…, … (see README.md).
var app = StripeEmulatorApp.Create(args);
await StripeEmulatorApp.StartAsync(app);
await app.WaitForShutdownAsync();
