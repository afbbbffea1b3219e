namespace Cic.Billing.Accounts;

/// <summary>Billing cycles are calendar months in UTC.</summary>
public readonly record struct BillingCycle(DateTimeOffset Start, DateTimeOffset End)
{
    public static BillingCycle Containing(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingCycle(start, start.AddMonths(1));
    }

    public static BillingCycle Of(int year, int month)
    {
        var start = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingCycle(start, start.AddMonths(1));
    }

    public BillingCycle Next => new(End, End.AddMonths(1));

    /// <summary>The cycle as <c>yyyy-MM</c>, as the API names it.</summary>
    public override string ToString() => Start.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
