using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Usage.Tallies;

/// <summary>Settings of the publication of tallies, from the <c>Usage:Tallies</c> section.</summary>
public sealed class TallyOptions
{
    public const string Section = "Usage:Tallies";

    /// <summary>
    /// How long after a window's hour has ended it is first published: calls handled just before the
    /// hour's end are still in flight. Later calls are not lost; they publish a new revision.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the service looks for windows to publish.</summary>
    [PositiveDuration]
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Windows published per transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;
}
