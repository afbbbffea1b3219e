namespace Cic.StripeEmulator.Subscriptions;

/// <summary>
/// Calendar arithmetic for billing periods. Period boundaries are always computed from the billing cycle anchor
/// (anchor + k intervals), never by stepping from the previous boundary, so a cycle anchored on the 31st bills on the
/// last day of shorter months and returns to the 31st afterwards — as Stripe does.
/// </summary>
internal static class BillingPeriods
{
    public static long Add(long anchor, string interval, long intervalCount, long steps)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(anchor);
        var n = (int)(intervalCount * steps);
        var result = interval switch
        {
            "day" => start.AddDays(n),
            "week" => start.AddDays(7 * n),
            "month" => start.AddMonths(n),
            "year" => start.AddYears(n),
            _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, "Unknown interval."),
        };
        return result.ToUnixTimeSeconds();
    }

    /// <summary>The first period boundary strictly after <paramref name="after"/>.</summary>
    public static long NextBoundary(long anchor, string interval, long intervalCount, long after)
    {
        if (anchor > after)
        {
            return anchor;
        }
        for (long k = 1; ; k++)
        {
            var boundary = Add(anchor, interval, intervalCount, k);
            if (boundary > after)
            {
                return boundary;
            }
        }
    }
}
