using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults;

namespace Cic.Usage.Sequences;

/// <summary>Settings of the sequence-gap tracker, from the <c>Usage:Sequences</c> section.</summary>
public sealed class SequenceOptions
{
    public const string Section = "Usage:Sequences";

    /// <summary>How long a gap must have stayed open before it is listed and counted: calls travel on several queues and arrive slightly out of order.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the tracker reads the sequence numbers of newly stored calls.</summary>
    [PositiveDuration]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Queued runs of sequence numbers read per transaction.</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 100_000;
}
