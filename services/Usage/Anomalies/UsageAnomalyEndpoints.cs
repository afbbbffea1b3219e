using System.Security.Claims;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Anomalies;

/// <param name="Direction"><c>spike</c> or <c>drop</c>.</param>
/// <param name="UsualCallsPerHour">The company's mean calls per hour over the <paramref name="BaselineHours"/> before the hour.</param>
/// <param name="CompanyName">As Accounts registered it; null for a company it has not (yet).</param>
public sealed record UsageAnomalyResponse(
    Guid Id, Guid CompanyId, string? CompanyName, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string Direction,
    long CallCount, double UsualCallsPerHour, int BaselineHours, DateTimeOffset DetectedAt, DateTimeOffset? ClosedAt, string? ClosedBy);

/// <param name="Status"><c>open</c> (the default), <c>closed</c> or <c>all</c>.</param>
public sealed record AnomalyQuery(string? Status, Guid? CompanyId);

public static class UsageAnomalyEndpoints
{
    private const int Limit = 1000;

    public static IEndpointRouteBuilder MapUsageAnomalies(this IEndpointRouteBuilder app)
    {
        var anomalies = app.MapGroup("/usage-anomalies")
            .WithTags("Operations")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);

        anomalies.MapGet("", List)
            .WithName("ListUsageAnomalies")
            .WithSummary("Hours in which a company's calls jumped far above or dropped far below its recent pattern (staff)")
            .WithDescription($"Newest first, at most {Limit}. status: open (default), closed or all; companyId narrows to one company. The rule and its thresholds are in docs/usage.md.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        anomalies.MapPost("/{anomalyId:guid}/close", Close)
            .WithName("CloseUsageAnomaly")
            .WithSummary("Close an anomaly once it has been looked into (staff)")
            .WithDescription("Closing one already closed changes nothing.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Ok<List<UsageAnomalyResponse>>, ValidationProblem>> List(
        [AsParameters] AnomalyQuery query, UsageDb db, CancellationToken cancellationToken)
    {
        var status = query.Status ?? "open";
        if (status is not ("open" or "closed" or "all"))
        {
            return ApiProblems.Field("status", "One of open, closed, all.");
        }

        var anomalies = db.UsageAnomalies.AsQueryable();
        anomalies = status switch
        {
            "open" => anomalies.Where(a => a.ClosedAt == null),
            "closed" => anomalies.Where(a => a.ClosedAt != null),
            _ => anomalies,
        };
        if (query.CompanyId is { } companyId)
        {
            anomalies = anomalies.Where(a => a.CompanyId == companyId);
        }

        var rows = await anomalies
            .OrderByDescending(a => a.WindowStart).ThenBy(a => a.CompanyId)
            .Take(Limit)
            .Select(a => new { Anomaly = a, Name = db.Companies.Where(c => c.CompanyId == a.CompanyId).Select(c => c.Name).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => Describe(r.Anomaly, r.Name)).ToList());
    }

    private static async Task<Results<Ok<UsageAnomalyResponse>, NotFound>> Close(
        Guid anomalyId, UsageDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var anomaly = await db.UsageAnomalies.FirstOrDefaultAsync(a => a.Id == anomalyId, cancellationToken);
        if (anomaly is null)
        {
            return TypedResults.NotFound();
        }

        if (anomaly.ClosedAt is null)
        {
            anomaly.ClosedAt = time.GetUtcNow();
            anomaly.ClosedBy = user.UserId();
            await db.SaveChangesAsync(cancellationToken);
        }

        var name = await db.Companies.Where(c => c.CompanyId == anomaly.CompanyId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
        return TypedResults.Ok(Describe(anomaly, name));
    }

    private static UsageAnomalyResponse Describe(UsageAnomaly a, string? name) => new(
        a.Id, a.CompanyId, name, a.WindowStart, a.WindowStart + Tallies.UsageWindow.Length, UnusualUsage.DirectionName(a.Direction),
        a.CallCount, a.UsualCallsPerHour, a.BaselineHours, a.DetectedAt, a.ClosedAt, a.ClosedBy);
}
