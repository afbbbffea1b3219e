using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Companies;

/// <summary>A company calls were reported for that Accounts has not registered (yet).</summary>
/// <param name="CompanyId">The id the calls carry.</param>
/// <param name="Calls">Calls stored for it.</param>
/// <param name="FirstWindowStart">The earliest usage window (UTC hour) with calls.</param>
/// <param name="LastWindowStart">The latest usage window with calls.</param>
public sealed record UnknownCompany(Guid CompanyId, long Calls, DateTimeOffset FirstWindowStart, DateTimeOffset LastWindowStart);

public static class UnknownCompaniesEndpoints
{
    private const int Limit = 1000;

    /// <summary>Operators' list of companies with calls but no registration: their calls are kept and counted, never dropped.</summary>
    public static IEndpointRouteBuilder MapUnknownCompanies(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/unknown-companies")
            .WithTags("Operations")
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .MapGet("", ListUnknownCompanies)
            .WithName("ListUnknownCompanies")
            .WithSummary("Companies with calls that Accounts has not registered")
            .WithDescription($"Staff only. Calls for a company the platform does not know yet are stored and tallied as usual; this lists those companies (at most {Limit}, oldest first) so operators can follow up.");
        return app;
    }

    private static async Task<Ok<List<UnknownCompany>>> ListUnknownCompanies(UsageDb db, CancellationToken cancellationToken)
    {
        var unknown = await db.UsageWindows
            .Where(w => !db.Companies.Any(c => c.CompanyId == w.CompanyId))
            .GroupBy(w => w.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(w => w.CallCount), First = g.Min(w => w.WindowStart), Last = g.Max(w => w.WindowStart) })
            .OrderBy(c => c.First)
            .Take(Limit)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(unknown.Select(c => new UnknownCompany(c.CompanyId, c.Calls, c.First, c.Last)).ToList());
    }
}
