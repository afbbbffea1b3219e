using Cic.AppHost.Commands;
using Microsoft.Extensions.Configuration;

namespace Cic.AppHost;

/// <summary>
/// Stripe for Billing: the real one when a secret key is configured (<c>Stripe:SecretKey</c>, e.g. env
/// <c>Stripe__SecretKey</c> or this AppHost's user secrets, as secret parameters), otherwise the project's emulator,
/// which creates finance's dashboard set-up (the calls meter, the metered price) and a test clock itself.
/// </summary>
public sealed class BillingStripe
{
    /// <summary>The emulator's test clock, created with this id (dev/StripeEmulator/appsettings.json), on which Billing puts every customer.</summary>
    public const string EmulatorTestClock = "clock_cic_local";

    /// <summary>What Billing hands the portal for Stripe's card form when it talks to the emulator.</summary>
    public const string EmulatorPublishableKey = "pk_test_cic_emulator";

    private const string EmulatorWebhookSecret = "whsec_cic_local_emulator";

    private readonly IDistributedApplicationBuilder _builder;
    private readonly IResourceBuilder<ProjectResource>? _emulator;

    private BillingStripe(IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource>? emulator)
    {
        _builder = builder;
        _emulator = emulator;
    }

    internal static BillingStripe Add(IDistributedApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["Stripe:SecretKey"]))
        {
            return new BillingStripe(builder, null);
        }

        var port = builder.Configuration.GetValue("Servers:StripeEmulatorPort", 12111);
        var emulator = builder.AddProject<Projects.Cic_StripeEmulator>(ResourceNames.StripeEmulator)
            .WithHttpEndpoint(port: port, name: "http")
            .WithHttpHealthCheck("/health")
            .WithEnvironment("Emulator__WebhookSecret", EmulatorWebhookSecret)
            .WithAdvanceToNextCycleCommand(EmulatorTestClock);
        return new BillingStripe(builder, emulator);
    }

    internal void Configure(IResourceBuilder<ProjectResource> billing)
    {
        if (_emulator is null)
        {
            billing
                .WithEnvironment("Stripe__SecretKey", _builder.AddParameterFromConfiguration(ResourceNames.StripeSecretKey, "Stripe:SecretKey", secret: true))
                .WithEnvironment("Stripe__WebhookSecret", _builder.AddParameterFromConfiguration(ResourceNames.StripeWebhookSecret, "Stripe:WebhookSecret", secret: true))
                .WithEnvironment("Stripe__PublishableKey", _builder.AddParameterFromConfiguration(ResourceNames.StripePublishableKey, "Stripe:PublishableKey"));

            // Optional: without them the Billing service uses its defaults.
            (string Setting, string Parameter)[] optional =
            [
                ("PriceLookupKey", ResourceNames.StripePriceLookupKey),
                ("MeterEventName", ResourceNames.StripeMeterEventName),
                ("TestClock", ResourceNames.StripeTestClock),
                ("RequestsPerSecond", ResourceNames.StripeRequestsPerSecond),
            ];
            foreach (var (setting, parameter) in optional.Where(o => !string.IsNullOrWhiteSpace(_builder.Configuration[$"Stripe:{o.Setting}"])))
            {
                billing.WithEnvironment($"Stripe__{setting}", _builder.AddParameterFromConfiguration(parameter, $"Stripe:{setting}"));
            }

            return;
        }

        var emulator = _emulator;
        emulator.WithEnvironment(context =>
            context.EnvironmentVariables["Emulator__WebhookUrl"] = ReferenceExpression.Create($"{billing.GetEndpoint("http")}/stripe/webhooks"));
        billing
            .WithEnvironment("Stripe__ApiBase", emulator.GetEndpoint("http"))
            .WithEnvironment("Stripe__SecretKey", "sk_test_cic_emulator")
            .WithEnvironment("Stripe__PublishableKey", EmulatorPublishableKey)
            .WithEnvironment("Stripe__WebhookSecret", EmulatorWebhookSecret)
            .WithEnvironment("Stripe__TestClock", EmulatorTestClock)
            .WaitFor(emulator);
    }
}
