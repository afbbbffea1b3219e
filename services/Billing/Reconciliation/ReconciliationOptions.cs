using Cic.ServiceDefaults;

namespace Cic.Billing.Reconciliation;

/// <summary>The periodic passes over every account, from the <c>Reconciliation</c> section.</summary>
public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>How often every customer's cards and invoices are re-read from Stripe, repairing missed webhooks.</summary>
    [PositiveDuration]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often cards are checked for having passed their expiry (from what is stored; no Stripe call).</summary>
    [PositiveDuration]
    public TimeSpan CardExpiryInterval { get; set; } = TimeSpan.FromDays(1);
}
