using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.UsagePush;

/// <summary>
/// One company's hour of calls as Billing bills it, the push ledger's entry: the latest absolute count Usage
/// tallied for the hour (Usage's usage window), the payer, and (through its <see cref="MeterPush"/>es) what has
/// been sent to Stripe.
/// </summary>
public sealed class BillableHour
{
    public Guid CompanyId { get; init; }

    public DateTimeOffset WindowStart { get; init; }

    public DateTimeOffset WindowEnd { get; init; }

    /// <summary>The absolute call count of the highest revision received.</summary>
    public long CallCount { get; set; }

    public long Revision { get; set; }

    /// <summary>The billing account paying for this window (the arrangement in force at its start), once known.</summary>
    public Guid? PayerId { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One meter event to Stripe: the calls a revision added to a window. Its identifier is deterministic,
/// so sending it again (after a timeout, a crash, a redelivery) is recorded by Stripe only once; it is
/// never changed once created, and a later revision gets a push of its own for its difference.
/// </summary>
public sealed class MeterPush
{
    /// <summary>The meter event's <c>identifier</c>: company, window and revision.</summary>
    public required string Identifier { get; init; }

    public Guid CompanyId { get; init; }

    public DateTimeOffset WindowStart { get; init; }

    public long Revision { get; init; }

    /// <summary>Calls this push adds to the payer's meter.</summary>
    public long Calls { get; init; }

    /// <summary>The payer, resolved when the push is first sent.</summary>
    public Guid? PayerId { get; set; }

    public string? StripeCustomerId { get; set; }

    /// <summary>The meter event's timestamp: the window's start, or the subscription's start if that is later.</summary>
    public DateTimeOffset? MeterTimestamp { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When Stripe confirmed it (or said it already had it).</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>When Stripe refused it for good (e.g. a timestamp older than Stripe accepts); shown in the reconciliation view.</summary>
    public DateTimeOffset? RejectedAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>The trace of the <c>UsageTallied</c> that made the push (W3C <c>traceparent</c>), which sending it continues.</summary>
    public string? TraceParent { get; init; }
}

internal sealed class BillableHourConfiguration : IEntityTypeConfiguration<BillableHour>
{
    public void Configure(EntityTypeBuilder<BillableHour> window)
    {
        window.ToTable("billable_hours");
        window.HasKey(w => new { w.CompanyId, w.WindowStart });
        window.HasIndex(w => new { w.PayerId, w.WindowStart });
    }
}

internal sealed class MeterPushConfiguration : IEntityTypeConfiguration<MeterPush>
{
    public void Configure(EntityTypeBuilder<MeterPush> push)
    {
        push.ToTable("meter_pushes");
        push.HasKey(p => p.Identifier);
        push.Property(p => p.Identifier).HasMaxLength(100);
        push.Property(p => p.StripeCustomerId).HasMaxLength(255);
        push.HasIndex(p => new { p.CompanyId, p.WindowStart });
        push.HasIndex(p => new { p.PayerId, p.MeterTimestamp });
        push.HasIndex(p => p.NextAttemptAt).HasFilter("sent_at IS NULL AND rejected_at IS NULL").HasDatabaseName("ix_meter_pushes_pending");
    }
}
