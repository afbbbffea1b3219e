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

public enum UsageDirection
{
    Spike,
    Drop,
}

/// <summary>
/// The documented rule: an hour is unusual when the company has at least <c>BaselineHours</c> of history
/// before it and its calls are at least <c>SpikeFactor</c> × the mean of those hours (a spike) or at most
/// that mean ÷ <c>DropFactor</c> (a drop), and differ from the mean by at least <c>MinimumChange</c> calls.
/// </summary>
public static class UsageAnomalyRule
{
    public static UsageDirection? Judge(long calls, double usualPerHour, bool hasFullHistory, UsageAnomalyOptions options)
    {
        if (!hasFullHistory || Math.Abs(calls - usualPerHour) < options.MinimumChange)
        {
            return null;
        }

        if (calls >= options.SpikeFactor * usualPerHour)
        {
            return UsageDirection.Spike;
        }

        return calls <= usualPerHour / options.DropFactor ? UsageDirection.Drop : null;
    }
}
