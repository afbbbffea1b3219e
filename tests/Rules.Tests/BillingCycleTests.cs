using Cic.Contracts;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>Billing cycles are calendar months in UTC: one type (contracts/), for Accounts (when a move takes effect) and Billing (periods, readiness).</summary>
public sealed class BillingCycleTests
{
    /// <summary>Any moment from 2000 to 2100, at any offset a clock may report.</summary>
    internal static readonly Gen<DateTimeOffset> Moments =
        Gen.Select(Gen.Long[new DateTime(2000, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks], Gen.Int[-14 * 60, 14 * 60])
            .Select((ticks, minutes) => new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(minutes)));

    [Fact]
    public void A_cycle_is_the_utc_calendar_month_holding_the_moment() =>
        Moments.Sample(moment =>
        {
            var cycle = BillingCycle.Containing(moment);
            var utc = moment.UtcDateTime;
            Assert.Equal(new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero), cycle.Start);
            Assert.Equal(TimeSpan.Zero, cycle.Start.Offset);
            Assert.Equal(cycle.Start.AddMonths(1), cycle.End);
            Assert.True(cycle.Start <= moment && moment < cycle.End);
            Assert.Equal(cycle, BillingCycle.Of(utc.Year, utc.Month));
        });

    [Fact]
    public void The_next_cycle_starts_where_this_one_ends() =>
        Moments.Sample(moment =>
        {
            var cycle = BillingCycle.Containing(moment);
            Assert.Equal(cycle.End, cycle.Next.Start);
            Assert.Equal(BillingCycle.Containing(cycle.End), cycle.Next);
            Assert.Equal(BillingCycle.Containing(cycle.End.AddTicks(-1)), cycle);
        });

    [Theory]
    [InlineData("2026-12-31T23:59:59.9999999+00:00", "2026-12-01", "2027-01-01")]
    [InlineData("2027-01-01T00:00:00+00:00", "2027-01-01", "2027-02-01")]
    [InlineData("2026-12-31T20:00:00-05:00", "2027-01-01", "2027-02-01")] // already January in UTC
    [InlineData("2027-03-01T00:30:00+01:00", "2027-02-01", "2027-03-01")] // still February in UTC
    [InlineData("2028-02-29T12:00:00+00:00", "2028-02-01", "2028-03-01")]
    public void Edges_of_months_years_and_offsets(string moment, string start, string end)
    {
        var cycle = BillingCycle.Containing(DateTimeOffset.Parse(moment, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(start + "T00:00:00+00:00", System.Globalization.CultureInfo.InvariantCulture), cycle.Start);
        Assert.Equal(DateTimeOffset.Parse(end + "T00:00:00+00:00", System.Globalization.CultureInfo.InvariantCulture), cycle.End);
    }

    [Fact]
    public void A_cycle_is_named_by_its_year_and_month() =>
        Assert.Equal("2027-03", BillingCycle.Of(2027, 3).ToString());
}
