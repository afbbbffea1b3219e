using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.BillingAccounts;

/// <summary>
/// Who pays for a company's usage from <see cref="EffectiveFrom"/> on, as Accounts decided it. One row
/// per company and start; a later decision for the same start (a higher <see cref="Version"/>)
/// replaces it, which is how Accounts cancels a pending switch.
/// </summary>
public sealed class BillingArrangement
{
    public Guid CompanyId { get; init; }

    public DateTimeOffset EffectiveFrom { get; init; }

    public AccountKind PayerKind { get; set; }

    public Guid PayerId { get; set; }

    public long Version { get; set; }
}

internal sealed class BillingArrangementConfiguration : IEntityTypeConfiguration<BillingArrangement>
{
    public void Configure(EntityTypeBuilder<BillingArrangement> arrangement)
    {
        arrangement.ToTable("billing_arrangements");
        arrangement.HasKey(a => new { a.CompanyId, a.EffectiveFrom });
        arrangement.Property(a => a.PayerKind).HasConversion<string>().HasMaxLength(20);
        arrangement.HasIndex(a => a.PayerId);
    }
}
