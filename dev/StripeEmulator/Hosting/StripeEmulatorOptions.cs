using Cic.StripeEmulator.Dashboard;

namespace Cic.StripeEmulator.Hosting;

/// <summary>
/// Everything configurable about the emulator. Standalone it is bound from the <c>Emulator</c> configuration section
/// (e.g. env <c>Emulator__WebhookUrl</c>); in-process it is passed to <see cref="StripeEmulatorHost.StartAsync"/>.
/// </summary>
public sealed class StripeEmulatorOptions
{
    /// <summary>The exact secret keys accepted. Empty (default): any key starting with <c>sk_test_</c> or <c>rk_test_</c>.</summary>
    public IList<string> ApiKeys { get; set; } = [];

    /// <summary>A webhook endpoint registered at start-up (and again after a reset), e.g. the Billing service's <c>/stripe/webhooks</c>.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The signing secret of <see cref="WebhookUrl"/>; generated (<c>whsec_…</c>) when not set.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Event types sent to <see cref="WebhookUrl"/>; <c>*</c> = all.</summary>
    public IList<string> WebhookEvents { get; set; } = ["*"];

    /// <summary>Seconds between webhook delivery attempts after a failure (non-2xx or no answer). Stripe's sandbox retries a few times over hours.</summary>
    public IList<double> WebhookRetrySeconds { get; set; } = [1, 5, 25];

    /// <summary>How long a webhook receiver may take to answer before the attempt counts as failed.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Automatic payment retries, in days after the first failed attempt (Stripe: Smart Retries or a custom schedule).</summary>
    public IList<double> PaymentRetryDays { get; set; } = [3, 5, 7];

    /// <summary>What happens to an invoice after its last retry failed: <c>uncollectible</c> (mark uncollectible) or <c>open</c> (leave past due).</summary>
    public string InvoiceAfterFinalRetry { get; set; } = "uncollectible";

    /// <summary>What happens to its subscription: <c>unpaid</c>, <c>canceled</c> or <c>past_due</c> (leave as is).</summary>
    public string SubscriptionAfterFinalRetry { get; set; } = "unpaid";

    /// <summary>Time between a renewal invoice's creation (draft) and its finalization, when late usage still counts.</summary>
    public TimeSpan FinalizationGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often renewals, finalizations and retries of objects NOT on a test clock are checked against real time.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Artificial processing time of <c>POST /v1/billing/meter_events</c>, during which a second call for the same
    /// customer and meter gets Stripe's 429 (one concurrent call per customer per meter). Zero by default.
    /// </summary>
    public TimeSpan MeterEventProcessingDelay { get; set; } = TimeSpan.Zero;

    /// <summary>API requests per second before Stripe's 429 <c>rate_limit</c> (Stripe: 25 in test mode, 100 in live mode); 0 = unlimited.</summary>
    public double RequestsPerSecond { get; set; }

    /// <summary>Meter-event requests per second, counted apart from <see cref="RequestsPerSecond"/> (Stripe: 1,000 in live mode); 0 = they count as any request.</summary>
    public double MeterEventsPerSecond { get; set; }

    /// <summary>What finance set up in Stripe's dashboard, created at start-up: the calls catalog and a test clock. None by default.</summary>
    public DashboardOptions? Dashboard { get; set; }

    /// <summary>The clock of "real time". Tests may pass a fake one; test clocks are independent of it.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
