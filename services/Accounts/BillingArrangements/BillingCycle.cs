namespace Cic.Accounts.BillingArrangements;

/// <summary>Billing cycles are calendar months in UTC.</summary>
public static class BillingCycle
{
    public static DateTimeOffset StartOf(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    public static DateTimeOffset StartOfNext(DateTimeOffset moment) => StartOf(moment).AddMonths(1);
}
