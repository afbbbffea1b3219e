using System.Security.Claims;
using Cic.Accounts.Access;
using Cic.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.BillingArrangements;

/// <summary>Who pays for a company's usage: the arrangement in force now, the one about to take effect, and every decision so far.</summary>
public sealed record BillingArrangementResponse(
    Guid CompanyId,
    ArrangementResponse? Current,
    ArrangementResponse? Pending,
    IReadOnlyList<ArrangementResponse> History);

public sealed record ArrangementResponse(
    AccountKind PayerKind,
    Guid PayerId,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset DecidedAt,
    string DecidedBy,
    long Version,
    DateTimeOffset? CancelledAt)
{
    public static ArrangementResponse From(BillingArrangement a) =>
        new(a.PayerKind, a.PayerId, a.EffectiveFrom, a.DecidedAt, a.DecidedBy, a.Version, a.CancelledAt);
}

public static class BillingArrangementEndpoints
{
    public static IEndpointRouteBuilder MapBillingArrangements(this IEndpointRouteBuilder app)
    {
        app.MapGet("/companies/{id:guid}/billing-arrangement", Get)
            .WithTags("Billing arrangements")
            .WithName("GetBillingArrangement")
            .WithSummary("Who pays for a company's usage: now, from the next billing cycle, and the history");
        return app;
    }

    private static async Task<Results<Ok<BillingArrangementResponse>, NotFound>> Get(
        Guid id, AccountsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var company = await db.Companies.FindAsync([id], cancellationToken);
        if (company is null || await AccountAccess.ToCompanyAsync(db, user, company, cancellationToken) == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await DescribeAsync(db, id, time.GetUtcNow(), cancellationToken));
    }

    public static async Task<BillingArrangementResponse> DescribeAsync(AccountsDb db, Guid companyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var history = await db.BillingArrangements
            .Where(a => a.CompanyId == companyId)
            .OrderBy(a => a.Version)
            .ToListAsync(cancellationToken);
        var (current, pending) = BillingArrangement.At(history, now);
        return new BillingArrangementResponse(
            companyId,
            current is null ? null : ArrangementResponse.From(current),
            pending is null ? null : ArrangementResponse.From(pending),
            history.Select(ArrangementResponse.From).ToList());
    }
}
