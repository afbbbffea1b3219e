using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Billing.Stripe;

/// <summary>
/// The <c>Stripe</c> configuration section (<c>Stripe__SecretKey</c>, …). Without a key <c>./cic up</c>
/// points the service at the project's Stripe emulator.
/// </summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary>The secret API key (<c>sk_test_…</c> or <c>sk_live_…</c>, or a restricted <c>rk_…</c> key).</summary>
    [Required]
    public string SecretKey { get; set; } = "";

    /// <summary>The publishable key the portal's card form needs (<c>pk_…</c>); handed out with each SetupIntent.</summary>
    public string? PublishableKey { get; set; }

    /// <summary>The signing secret of the webhook endpoint (<c>whsec_…</c>); webhooks are refused without it.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Stripe's API address; the emulator's address in local runs and tests.</summary>
    [Required]
    public string ApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>The lookup key of the metered monthly price subscriptions are created on.</summary>
    [Required]
    public string PriceLookupKey { get; set; } = "cic_calls_handled";

    /// <summary>The <c>event_name</c> of the Billing Meter that counts calls.</summary>
    [Required]
    public string MeterEventName { get; set; } = "calls_handled";

    /// <summary>
    /// Test mode only: a test clock (<c>clock_…</c>) new customers are attached to, so a whole billing
    /// cycle can be run out in minutes. Ignored with a live key.
    /// </summary>
    public string? TestClock { get; set; }

    /// <summary>
    /// Requests per second all instances together send at most: Stripe's limit is the account's (25 in test mode,
    /// 100 in live mode), so they share one budget in the database.
    /// </summary>
    [Range(1, 1000)]
    public double RequestsPerSecond { get; set; } = 25;

    /// <summary>
    /// Meter-event requests per second all instances together send at most, where Stripe counts them apart from
    /// <see cref="RequestsPerSecond"/> (1,000 in live mode); 0 (the default) counts them with every other request.
    /// </summary>
    [Range(0, 100_000)]
    public double MeterEventsPerSecond { get; set; }

    /// <summary>How old a webhook's signature may be.</summary>
    [PositiveDuration]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsTestMode => SecretKey.StartsWith("sk_test_", StringComparison.Ordinal) || SecretKey.StartsWith("rk_test_", StringComparison.Ordinal);

    /// <summary>The test clock to put new customers on, if any.</summary>
    public string? TestClockForNewCustomers => IsTestMode && !string.IsNullOrWhiteSpace(TestClock) ? TestClock : null;
}
