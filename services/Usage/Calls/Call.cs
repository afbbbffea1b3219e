using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Calls;

/// <summary>
/// One call handled, stored forever: the dispute record. Its key (source system, call id) is what
/// makes ingestion exactly-once: a call offered again is not inserted, so it is not counted again.
/// </summary>
[SuppressMessage("Naming", "CA1716", Justification = "'Call' is the domain's word; the type is used from C# only.")]
public sealed class Call
{
    public const int MaxSourceSystemLength = 100;
    public const int MaxCallIdLength = 200;

    public required string SourceSystem { get; init; }

    public required string CallId { get; init; }

    public Guid CompanyId { get; init; }

    /// <summary>When the call was handled (UTC); the call counts in the usage window (UTC hour) holding it.</summary>
    public DateTimeOffset HandledAt { get; init; }

    public long DurationMs { get; init; }

    /// <summary>The call's number in its source's own count, when the producer numbers its calls.</summary>
    public long? Sequence { get; init; }

    /// <summary>When the platform first stored the call.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
}

internal sealed class CallConfiguration : IEntityTypeConfiguration<Call>
{
    public void Configure(EntityTypeBuilder<Call> call)
    {
        call.ToTable("calls");
        call.HasKey(c => new { c.SourceSystem, c.CallId });
        // Byte order: cheap comparisons, and the same order everywhere for keyset paging and lock ordering.
        call.Property(c => c.SourceSystem).HasMaxLength(Call.MaxSourceSystemLength).UseCollation("C");
        call.Property(c => c.CallId).HasMaxLength(Call.MaxCallIdLength).UseCollation("C");
        // Call history pages walk this index backwards from a keyset cursor; the included columns
        // let a page be read from the index alone.
        call.HasIndex(c => new { c.CompanyId, c.HandledAt, c.SourceSystem, c.CallId })
            .HasDatabaseName("ix_calls_history")
            .IncludeProperties(c => new { c.DurationMs, c.ReceivedAt });
    }
}
