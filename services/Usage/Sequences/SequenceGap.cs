using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Sequences;

/// <summary>
/// Where a source system's sequence numbers stand: the lowest and highest seen so far and when those
/// calls were handled. A gap opens when a number arrives above <see cref="HighestSeen"/> + 1 (or below
/// <see cref="LowestSeen"/> − 1: the first numbers seen may not be the first sent).
/// </summary>
public sealed class SequenceSource
{
    public required string SourceSystem { get; init; }

    public long LowestSeen { get; set; }

    public DateTimeOffset LowestSeenHandledAt { get; set; }

    public long HighestSeen { get; set; }

    public DateTimeOffset HighestSeenHandledAt { get; set; }
}

/// <summary>
/// A range of a source's sequence numbers not seen: calls that may never have reached the platform.
/// It shrinks as late calls arrive inside it and closes when the last of them has.
/// </summary>
public sealed class SequenceGap
{
    public Guid Id { get; init; }

    public required string SourceSystem { get; init; }

    /// <summary>The first missing number.</summary>
    public long FirstMissing { get; set; }

    /// <summary>The last missing number.</summary>
    public long LastMissing { get; set; }

    /// <summary>When the call just before the gap (number <see cref="FirstMissing"/> − 1) was handled.</summary>
    public DateTimeOffset BeforeHandledAt { get; set; }

    /// <summary>When the call just after the gap (number <see cref="LastMissing"/> + 1) was handled.</summary>
    public DateTimeOffset AfterHandledAt { get; set; }

    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>When its last missing call arrived.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public long Missing => LastMissing - FirstMissing + 1;
}

/// <summary>
/// A run of consecutive sequence numbers of one source among the calls one statement just stored, queued for the
/// gap tracker. Producers number their calls consecutively, so a batch of hundreds of calls is usually one run: the
/// ingestion statement writes one row where it would otherwise write one per call.
/// </summary>
public sealed class SequenceArrival
{
    public long Id { get; init; }

    public required string SourceSystem { get; init; }

    public long FirstSequence { get; init; }

    public long LastSequence { get; init; }

    /// <summary>When the call numbered <see cref="FirstSequence"/> was handled.</summary>
    public DateTimeOffset FirstHandledAt { get; init; }

    /// <summary>When the call numbered <see cref="LastSequence"/> was handled.</summary>
    public DateTimeOffset LastHandledAt { get; init; }
}

internal sealed class SequenceConfiguration :
    IEntityTypeConfiguration<SequenceSource>, IEntityTypeConfiguration<SequenceGap>, IEntityTypeConfiguration<SequenceArrival>
{
    public void Configure(EntityTypeBuilder<SequenceSource> source)
    {
        source.ToTable("sequence_sources");
        source.HasKey(s => s.SourceSystem);
        source.Property(s => s.SourceSystem).HasMaxLength(Calls.Call.MaxSourceSystemLength).UseCollation("C");
    }

    public void Configure(EntityTypeBuilder<SequenceGap> gap)
    {
        gap.ToTable("sequence_gaps");
        gap.HasKey(g => g.Id);
        gap.Property(g => g.SourceSystem).HasMaxLength(Calls.Call.MaxSourceSystemLength).UseCollation("C");
        gap.Ignore(g => g.Missing);
        gap.HasIndex(g => new { g.SourceSystem, g.FirstMissing }).HasDatabaseName("ix_sequence_gaps_open").HasFilter("closed_at IS NULL");
    }

    public void Configure(EntityTypeBuilder<SequenceArrival> arrival)
    {
        arrival.ToTable("sequence_arrivals");
        arrival.HasKey(a => a.Id);
        arrival.Property(a => a.Id).UseIdentityAlwaysColumn();
        arrival.Property(a => a.SourceSystem).HasMaxLength(Calls.Call.MaxSourceSystemLength).UseCollation("C");
    }
}
