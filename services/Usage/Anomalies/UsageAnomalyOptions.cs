using System.ComponentModel.DataAnnotations;

namespace Cic.Usage.Anomalies;

/// <summary>Settings of the unusual-usage rule, from the <c>Usage:Anomalies</c> section.</summary>
public sealed class UsageAnomalyOptions
{
    public const string Section = "Usage:Anomalies";

    /// <summary>Off: no hour is judged (nothing else changes).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The hours before the judged one whose mean is the company's usual calls per hour (hours without calls count as 0).</summary>
    [Range(1, 24 * 31)]
    public int BaselineHours { get; set; } = 24;

    /// <summary>A spike: at least this many times the usual.</summary>
    [Range(1.01, 1_000_000)]
    public double SpikeFactor { get; set; } = 4;

    /// <summary>A drop: at most the usual divided by this.</summary>
    [Range(1.01, 1_000_000)]
    public double DropFactor { get; set; } = 4;

    /// <summary>Either way, the hour must differ from the usual by at least this many calls, so small companies' noise is not news.</summary>
    [Range(1, long.MaxValue)]
    public long MinimumChange { get; set; } = 100;
}
