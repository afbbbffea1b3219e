using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Contracts.Usage;

namespace Cic.Notifications.Tests;

/// <summary>Billing events as the Billing service publishes them, with plausible Stripe values.</summary>
public static class BillingEvents
{
    public const string HostedInvoiceUrl = "https://invoice.stripe.test/i/acct_1/test_inv_42";

    public static InvoiceIssued InvoiceIssued(AccountKind kind, Guid account, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, account, "in_1Qabc", "CIC-2026-0042",
        new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        123450, "eur", new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), HostedInvoiceUrl);

    public static InvoicePastDue InvoicePastDue(AccountKind kind, Guid account, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, account, "in_1Qabc", "CIC-2026-0042", 123450, "eur",
        new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero), HostedInvoiceUrl);

    public static PaymentMethodExpired PaymentMethodExpired(AccountKind kind, Guid account, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, account, "pm_1Qexp", "visa", "4242", 10, 2026, WasDefault: true);

    public static PaymentRetrySucceeded PaymentRetrySucceeded(AccountKind kind, Guid account, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, account, "in_1Qabc", "CIC-2026-0042", 123450, "eur", AttemptCount: 3);

    public static PaymentRetryFailed PaymentRetryFailed(AccountKind kind, Guid account, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, kind, account, "in_1Qabc", "CIC-2026-0042", 123450, "eur", AttemptCount: 2,
        new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero), "insufficient_funds", HostedInvoiceUrl);

    /// <summary>Usage's anomaly: 1,840 calls in an hour against a usual 120.</summary>
    public static UnusualUsageDetected UnusualUsage(Guid company, DateTimeOffset? at = null) => new(
        Guid.NewGuid(), at ?? DateTimeOffset.UtcNow, Guid.NewGuid(), company,
        new DateTimeOffset(2026, 12, 4, 14, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 15, 0, 0, TimeSpan.Zero),
        "spike", 1840, 120, 24);
}
