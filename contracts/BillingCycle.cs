using System.Globalization;

namespace Cic.Contracts;

/// <summary>
/// A billing cycle: a calendar month in UTC, [<paramref name="Start"/>, <paramref name="End"/>). Every service and
/// every event means this by "cycle": Accounts' billing arrangements take effect at a cycle's start, Billing pushes and
/// invoices usage per cycle, Stripe's subscriptions renew at it.
/// </summary>
public readonly record struct BillingCycle(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The cycle <paramref name="moment"/> falls in.</summary>
    public static BillingCycle Containing(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        return Of(utc.Year, utc.Month);
    }

    /// <summary>The cycle of <paramref name="month"/> (1–12) of <paramref name="year"/>.</summary>
    public static BillingCycle Of(int year, int month)
    {
        var start = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingCycle(start, start.AddMonths(1));
    }

    /// <summary>The cycle after this one.</summary>
    public BillingCycle Next => new(End, End.AddMonths(1));

    /// <summary>The cycle as <c>yyyy-MM</c>, as the APIs name it.</summary>
    public override string ToString() => Start.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
