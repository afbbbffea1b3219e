using System.Security.Claims;
using Cic.Contracts;
using Cic.Usage.Members;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Tallies;

/// <summary>Calls of one period of a usage report.</summary>
/// <param name="Start">Start of the period (UTC, inclusive).</param>
/// <param name="End">End of the period (UTC, exclusive).</param>
/// <param name="Calls">Calls handled in the period.</param>
public sealed record UsagePeriod(DateTimeOffset Start, DateTimeOffset End, long Calls);

/// <summary>A company's usage over a range, per period, and in total.</summary>
/// <param name="CompanyId">The company.</param>
/// <param name="From">Start of the range (UTC, inclusive).</param>
/// <param name="To">End of the range (UTC, exclusive).</param>
/// <param name="Granularity">The length of each period: <c>hour</c>, <c>day</c> or <c>month</c> (UTC).</param>
/// <param name="TotalCalls">All calls in the range; for a calendar month, the billing cycle's usage.</param>
/// <param name="Periods">Every period of the range, oldest first, including those without calls.</param>
public sealed record UsageReport(Guid CompanyId, DateTimeOffset From, DateTimeOffset To, string Granularity, long TotalCalls, IReadOnlyList<UsagePeriod> Periods);

public static class UsageEndpoints
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public static IEndpointRouteBuilder MapUsage(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/companies/{companyId:guid}/usage")
            .WithTags("Usage")
            .MapGet("", GetUsage)
            .WithName("GetUsage")
            .WithSummary("A company's call counts per hour, day or month, and their total")
            .WithDescription(
                "Counts come from the hourly tallies the service keeps as calls arrive. `from` and `to` (UTC, `to` exclusive) " +
                "must fall on the granularity's boundaries; they default to the current billing cycle (the calendar month, UTC). " +
                "`granularity` is `hour`, `day` (default) or `month`. The range is at most 366 days. " +
                "The total of a calendar month is the usage of that billing cycle.")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<UsageReport>, NotFound, ValidationProblem>> GetUsage(
        Guid companyId,
        DateTimeOffset? from,
        DateTimeOffset? to,
        string? granularity,
        UsageDb db,
        ClaimsPrincipal user,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cycle = BillingCycle.Containing(now);
        var start = (from ?? cycle.Start).ToUniversalTime();
        var end = (to ?? cycle.End).ToUniversalTime();
        var errors = new Dictionary<string, string[]>();
        var step = (granularity ?? "day").ToLowerInvariant() switch
        {
            "hour" => Granularity.Hour,
            "day" => Granularity.Day,
            "month" => Granularity.Month,
            _ => (Granularity?)null,
        };
        if (step is not { } boundary)
        {
            errors["granularity"] = ["Must be hour, day or month."];
        }
        else
        {
            if (!IsBoundary(start, boundary))
            {
                errors["from"] = [$"Must be the start of a UTC {boundary.ToString().ToLowerInvariant()}."];
            }

            if (!IsBoundary(end, boundary))
            {
                errors["to"] = [$"Must be the start of a UTC {boundary.ToString().ToLowerInvariant()}."];
            }
        }

        if (end <= start)
        {
            errors["to"] = ["Must be later than from."];
        }
        else if (end - start > MaxRange)
        {
            errors["to"] = [$"The range may be at most {MaxRange.TotalDays:0} days."];
        }

        if (errors.Count > 0 || step is not { } granularityStep)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await db.CanReadCompanyAsync(user, companyId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var windows = await db.UsageWindows
            .Where(w => w.CompanyId == companyId && w.WindowStart >= start && w.WindowStart < end)
            .Select(w => new { w.WindowStart, w.CallCount })
            .ToListAsync(cancellationToken);

        var periods = new List<UsagePeriod>();
        var byPeriod = windows
            .GroupBy(w => PeriodStart(w.WindowStart, granularityStep))
            .ToDictionary(g => g.Key, g => g.Sum(w => w.CallCount));
        for (var period = start; period < end; period = Next(period, granularityStep))
        {
            periods.Add(new UsagePeriod(period, Next(period, granularityStep), byPeriod.GetValueOrDefault(period)));
        }

        return TypedResults.Ok(new UsageReport(
            companyId, start, end, granularityStep.ToString().ToLowerInvariant(), windows.Sum(w => w.CallCount), periods));
    }

    private enum Granularity
    {
        Hour,
        Day,
        Month,
    }

    private static bool IsBoundary(DateTimeOffset moment, Granularity granularity) =>
        PeriodStart(moment, granularity) == moment;

    private static DateTimeOffset PeriodStart(DateTimeOffset moment, Granularity granularity)
    {
        var utc = moment.UtcDateTime;
        return granularity switch
        {
            Granularity.Hour => UsageWindow.StartOf(moment),
            Granularity.Day => new DateTimeOffset(utc.Date, TimeSpan.Zero),
            _ => BillingCycle.Containing(moment).Start,
        };
    }

    private static DateTimeOffset Next(DateTimeOffset period, Granularity granularity) => granularity switch
    {
        Granularity.Hour => period + UsageWindow.Length,
        Granularity.Day => period.AddDays(1),
        _ => BillingCycle.Containing(period).End,
    };
}
