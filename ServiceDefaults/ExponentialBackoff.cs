namespace Cic.ServiceDefaults;

/// <summary>How long failing work waits before its next attempt: doubling with each failure, up to a ceiling.</summary>
public static class ExponentialBackoff
{
    /// <summary>
    /// The wait after <paramref name="failures"/> failures (1, 2, 3…): <paramref name="first"/>, then
    /// twice that, four times… but never more than <paramref name="max"/>.
    /// </summary>
    public static TimeSpan After(int failures, TimeSpan first, TimeSpan max)
    {
        var wait = first.Ticks * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return wait < max.Ticks ? TimeSpan.FromTicks((long)wait) : max;
    }
}
