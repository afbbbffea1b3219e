namespace Cic.Usage.Anomalies;

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
