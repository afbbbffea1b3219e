using System.Security.Claims;
using Cic.Accounts.BillingArrangements;
using Cic.Accounts.Companies;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.Moves;

/// <summary>Puts a company into an organization.</summary>
public sealed record JoinOrganization(Guid OrganizationId);

/// <summary>A company after a move: its membership (changed at once) and who pays (changed from the next cycle).</summary>
public sealed record MoveResponse(CompanyResponse Company, BillingArrangementResponse BillingArrangement);

/// <summary>
/// Moving a company into or out of an organization (the seed's "switching billing levels").
/// Membership changes at once; the payer changes at the start of the next billing cycle.
/// </summary>
public static class MoveEndpoints
{
    public static IEndpointRouteBuilder MapMoves(this IEndpointRouteBuilder app)
    {
        var moves = app.MapGroup("/companies/{id:guid}/organization")
            .WithTags("Moving companies")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);

        moves.MapPut("/", Join)
            .WithName("JoinOrganization")
            .WithSummary("Move a company into an organization (staff)")
            .WithDescription("The company belongs to the organization at once and is billed through it from the next billing cycle. A company already in another organization must leave it first (409).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        moves.MapDelete("/", Leave)
            .WithName("LeaveOrganization")
            .WithSummary("Move a company out of its organization (staff)")
            .WithDescription("The company leaves at once and is billed on its own from the next billing cycle. Leaving before a pending join took effect cancels it.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Ok<MoveResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Join(
        Guid id, JoinOrganization request, AccountsDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var company = await LockAsync(db, id, cancellationToken);
        if (company is null)
        {
            return TypedResults.NotFound();
        }

        if (!await db.Organizations.AnyAsync(o => o.Id == request.OrganizationId, cancellationToken))
        {
            return ApiProblems.Field("organizationId", "No organization has this id.");
        }

        var now = time.GetUtcNow();
        if (company.OrganizationId is { } current)
        {
            if (current != request.OrganizationId)
            {
                return ApiProblems.Conflict($"The company belongs to organization {current}; it must leave it before joining another.");
            }
        }
        else
        {
            company.OrganizationId = request.OrganizationId;
            db.AddIntegrationEvent(new CompanyJoinedOrganization(Guid.NewGuid(), now, company.Id, request.OrganizationId));
            await ArrangementPlanner.PlanAsync(db, company, now, user.UserId(), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await DescribeAsync(db, company, now, cancellationToken));
    }

    private static async Task<Results<Ok<MoveResponse>, NotFound, ProblemHttpResult>> Leave(
        Guid id, AccountsDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var company = await LockAsync(db, id, cancellationToken);
        if (company is null)
        {
            return TypedResults.NotFound();
        }

        if (company.OrganizationId is not { } organizationId)
        {
            return ApiProblems.Conflict("The company does not belong to an organization.");
        }

        var now = time.GetUtcNow();
        company.OrganizationId = null;
        db.AddIntegrationEvent(new CompanyLeftOrganization(Guid.NewGuid(), now, company.Id, organizationId));
        await ArrangementPlanner.PlanAsync(db, company, now, user.UserId(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await DescribeAsync(db, company, now, cancellationToken));
    }

    /// <summary>Reads the company and locks its row until the transaction ends, so moves of one company happen one after another.</summary>
    private static Task<Company?> LockAsync(AccountsDb db, Guid id, CancellationToken cancellationToken) =>
        db.Companies.FromSql($"SELECT * FROM companies WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    private static async Task<MoveResponse> DescribeAsync(AccountsDb db, Company company, DateTimeOffset now, CancellationToken cancellationToken) =>
        new(CompanyResponse.From(company), await BillingArrangementEndpoints.DescribeAsync(db, company.Id, now, cancellationToken));
}
