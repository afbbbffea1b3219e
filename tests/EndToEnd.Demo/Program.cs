using Cic.EndToEnd.Demo;

// ./cic demo: against a running ./cic up, three of the end-to-end suite's stories, step by step:
// a company set up for billing, an organization billed for its three companies' calls, and billing that
// fails and is fixed. Settings come from ./cic (the local servers, the Stripe emulator and its test clock).
try
{
    using var demo = await DemoRun.ConnectAsync();
    await demo.RunAsync();
    return 0;
}
catch (DemoStoppedException e)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"The demo stopped: {e.Message}");
    Console.Error.WriteLine("The services' logs are in the Aspire dashboard (its address is in ./cic up's output).");
    return 1;
}
