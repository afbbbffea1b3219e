using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Control;

/// <summary>State-wide operations shared by the control endpoints and <see cref="StripeEmulatorHost"/>.</summary>
internal sealed class EmulatorControl(
    EmulatorState state,
    StripeEmulatorOptions options,
    IdempotencyStore idempotency,
    FaultInjector faults,
    WebhookDispatcher dispatcher)
{
    /// <summary>The signing secret of the endpoint configured by <see cref="StripeEmulatorOptions.WebhookUrl"/>; stable across resets.</summary>
    public string ConfiguredWebhookSecret { get; } = options.WebhookSecret ?? $"whsec_{Ids.Random(32)}";

    public void Reset()
    {
        lock (state.Gate)
        {
            state.Clear();
            idempotency.Clear();
            faults.Clear();
            dispatcher.Reset();
            RegisterConfiguredEndpoint();
        }
    }

    public void RegisterConfiguredEndpoint()
    {
        if (options.WebhookUrl is { } url)
        {
            AddWebhookEndpoint(url, options.WebhookEvents, ConfiguredWebhookSecret);
        }
    }

    /// <summary>
    /// Points the configured endpoint at <paramref name="url"/>, for a receiver that learns its own address only once
    /// it listens, after the emulator started (a server bound to port 0).
    /// </summary>
    public void ConfigureWebhookUrl(string url)
    {
        lock (state.Gate)
        {
            if (options.WebhookUrl is not null)
            {
                throw new InvalidOperationException($"The webhook endpoint is already configured: {options.WebhookUrl}");
            }

            options.WebhookUrl = url;
            RegisterConfiguredEndpoint();
        }
    }

    public WebhookEndpoint AddWebhookEndpoint(string url, IEnumerable<string> enabledEvents, string? secret = null)
    {
        lock (state.Gate)
        {
            return state.WebhookEndpoints.Add(new WebhookEndpoint
            {
                Id = Ids.New("we"),
                Url = url,
                EnabledEvents = enabledEvents.ToList(),
                Secret = secret ?? $"whsec_{Ids.Random(32)}",
                Created = state.RealNow,
                Description = "Registered by the emulator host",
            });
        }
    }
}
