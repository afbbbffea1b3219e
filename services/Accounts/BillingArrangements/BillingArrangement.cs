using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Accounts.BillingArrangements;

/// <summary>
/// One decision about who pays for a company's usage from a given moment: the company itself or its
/// organization. The arrangement in force at a moment is the latest uncancelled one effective by then.
/// </summary>
public sealed partial class BillingArrangement
{
    public Guid Id { get; init; }

    public Guid CompanyId { get; init; }

    public AccountKind PayerKind { get; init; }

    /// <summary>The billing account: the paying company's or organization's id.</summary>
    public Guid PayerId { get; init; }

    public DateTimeOffset EffectiveFrom { get; init; }

    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Who made the change that led to it (a user's subject id).</summary>
    public string DecidedBy { get; init; } = "";

    /// <summary>Per company, increasing with every decision, cancellations included.</summary>
    public long Version { get; init; }

    /// <summary>Set when a pending arrangement was called off before taking effect.</summary>
    public DateTimeOffset? CancelledAt { get; set; }
}

internal sealed class BillingArrangementConfiguration : IEntityTypeConfiguration<BillingArrangement>
{
    public void Configure(EntityTypeBuilder<BillingArrangement> arrangement)
    {
        arrangement.Property(a => a.PayerKind).HasConversion<string>().HasMaxLength(20);
        arrangement.Property(a => a.DecidedBy).HasMaxLength(200);
        arrangement.HasIndex(a => new { a.CompanyId, a.Version }).IsUnique();
        arrangement.HasIndex(a => new { a.CompanyId, a.EffectiveFrom });
    }
}
