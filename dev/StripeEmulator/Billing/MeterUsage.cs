namespace Cic.StripeEmulator.Billing;

/// <summary>How a meter turns events into a number for a customer and a time window (start inclusive, end exclusive).</summary>
internal static class MeterUsage
{
    public static decimal Aggregate(Meter meter, string customerId, long start, long end)
    {
        var events = meter.Events
            .Where(e => !e.Cancelled && e.CustomerId == customerId && e.Timestamp >= start && e.Timestamp < end)
            .ToList();
        return meter.DefaultAggregation.Formula switch
        {
            "count" => events.Count,
            // "last" = the value of the latest event in the window (by event timestamp, then arrival).
            "last" => events.OrderBy(e => e.Timestamp).LastOrDefault()?.Value ?? 0m,
            _ => events.Sum(e => e.Value),
        };
    }
}
