using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.BillingAccounts;

/// <summary>
/// A company billed on its own or an organization: the payer of usage. Its id is the company's or the
/// organization's id. The Stripe customer and subscription are created lazily, the first time they
/// are needed, and never by hand.
/// </summary>
public sealed class BillingAccount
{
    public Guid Id { get; init; }

    public AccountKind Kind { get; init; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Stripe's customer (<c>cus_…</c>), once the account first needed one.</summary>
    public string? StripeCustomerId { get; set; }

    public DateTimeOffset? CustomerCreatedAt { get; set; }

    /// <summary>The subscription on the metered price (<c>sub_…</c>), once usage was first pushed.</summary>
    public string? StripeSubscriptionId { get; set; }

    /// <summary>When the subscription's first period began: usage from before it is reported at this moment.</summary>
    public DateTimeOffset? SubscriptionStartedAt { get; set; }

    /// <summary>The customer's <c>invoice_settings.default_payment_method</c>, as Stripe last said.</summary>
    public string? DefaultPaymentMethodId { get; set; }

    /// <summary>Stripe's <c>delinquent</c> flag: an invoice of the customer is unpaid after a failed attempt.</summary>
    public bool Delinquent { get; set; }

    /// <summary>When the customer's cards and invoices were last re-read from Stripe.</summary>
    public DateTimeOffset? SyncedAt { get; set; }
}

internal sealed class BillingAccountConfiguration : IEntityTypeConfiguration<BillingAccount>
{
    public void Configure(EntityTypeBuilder<BillingAccount> account)
    {
        account.ToTable("billing_accounts");
        account.HasKey(a => a.Id);
        account.Property(a => a.Id).ValueGeneratedNever();
        account.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
        account.Property(a => a.Name).HasMaxLength(300);
        account.Property(a => a.StripeCustomerId).HasMaxLength(255);
        account.HasIndex(a => a.StripeCustomerId).IsUnique();
        account.Property(a => a.StripeSubscriptionId).HasMaxLength(255);
        account.Property(a => a.DefaultPaymentMethodId).HasMaxLength(255);
    }
}
