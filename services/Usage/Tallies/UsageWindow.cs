using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Tallies;

/// <summary>
/// The tally of one company's calls in one usage window (a UTC hour), kept up to date in the same
/// transaction that stores the calls, and what of it has been published as <c>UsageTallied</c>.
/// </summary>
public sealed class UsageWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(1);

    public Guid CompanyId { get; init; }

    /// <summary>Start of the window, on the hour (UTC).</summary>
    public DateTimeOffset WindowStart { get; init; }

    /// <summary>Calls stored for the company in the window so far.</summary>
    public long CallCount { get; init; }

    /// <summary>The count last published; differs from <see cref="CallCount"/> while a publication is due.</summary>
    public long? PublishedCount { get; set; }

    /// <summary>How many times the window was published; the revision of its last <c>UsageTallied</c>.</summary>
    public int Revision { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>
    /// The trace of the last calls counted in the window (W3C <c>traceparent</c>), which its next publication
    /// continues: one trace then runs from a call to the meter event Stripe receives for it.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The window (UTC hour) a moment falls in.</summary>
    public static DateTimeOffset StartOf(DateTimeOffset moment)
    {
        var ticks = moment.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % Length.Ticks), TimeSpan.Zero);
    }
}

internal sealed class UsageWindowConfiguration : IEntityTypeConfiguration<UsageWindow>
{
    public void Configure(EntityTypeBuilder<UsageWindow> window)
    {
        window.ToTable("usage_windows");
        window.HasKey(w => new { w.CompanyId, w.WindowStart });
        // Only windows awaiting publication are in it, so the publisher's search stays small forever.
        window.HasIndex(w => w.WindowStart)
            .HasDatabaseName("ix_usage_windows_unpublished")
            .HasFilter("published_count IS DISTINCT FROM call_count");
    }
}
