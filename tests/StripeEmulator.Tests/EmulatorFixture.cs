using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.Tests;
using Stripe;

[assembly: AssemblyFixture(typeof(EmulatorFixture))]

namespace Cic.StripeEmulator.Tests;

/// <summary>
/// One emulator for the whole test assembly (tests isolate themselves by creating their own customers, meters and
/// clocks), plus one webhook receiver registered on it.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public StripeEmulatorHost Stripe { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public WebhookEndpointRegistration WebhookEndpoint { get; private set; } = null!;

    public StripeClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stripe = await StripeEmulatorHost.StartAsync(new StripeEmulatorOptions
        {
            PaymentRetryDays = [3, 5, 7],
            WebhookRetrySeconds = [0.1, 0.2, 0.4],
        });
        Webhooks = await WebhookReceiver.StartAsync();
        WebhookEndpoint = Stripe.AddWebhookEndpoint(Webhooks.Url);
        Client = Stripe.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        await Stripe.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}
