using System.Security.Claims;
using Cic.Accounts.Access;
using Cic.Accounts.BillingArrangements;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.Accounts.Companies;

public static class CompanyEndpoints
{
    public static IEndpointRouteBuilder MapCompanies(this IEndpointRouteBuilder app)
    {
        var companies = app.MapGroup("/companies").WithTags("Companies");

        companies.MapPost("/", Register)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("RegisterCompany")
            .WithSummary("Register a company (staff)")
            .WithDescription("Its usage is billed to itself at once, or to the organization given. A duplicate external reference is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        companies.MapGet("/", List)
            .WithName("ListCompanies")
            .WithSummary("List the companies the caller may see, optionally searching by name");

        companies.MapGet("/{id:guid}", Get)
            .WithName("GetCompany")
            .WithSummary("Get a company");

        companies.MapPatch("/{id:guid}", Rename)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("RenameCompany")
            .WithSummary("Rename a company (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Created<CompanyResponse>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterCompany request, AccountsDb db, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var reference = request.ExternalReference?.Trim();
        if (reference is not null && await db.Companies.AnyAsync(c => c.ExternalReference == reference, cancellationToken))
        {
            return DuplicateReference(reference);
        }

        if (request.OrganizationId is { } organizationId
            && !await db.Organizations.AnyAsync(o => o.Id == organizationId, cancellationToken))
        {
            return ApiProblems.Field("organizationId", "No organization has this id.");
        }

        var now = time.GetUtcNow();
        var company = new Company
        {
            Id = Guid.NewGuid(),
            Name = request.Name.Trim(),
            ExternalReference = reference,
            OrganizationId = request.OrganizationId,
            RegisteredAt = now,
        };
        db.Companies.Add(company);
        db.AddIntegrationEvent(new CompanyRegistered(Guid.NewGuid(), now, company.Id, company.Name, company.ExternalReference));
        if (company.OrganizationId is { } joined)
        {
            db.AddIntegrationEvent(new CompanyJoinedOrganization(Guid.NewGuid(), now, company.Id, joined));
        }

        await ArrangementPlanner.PlanAsync(db, company, now, user.UserId(), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return DuplicateReference(reference!); // registered concurrently by someone else
        }

        return TypedResults.Created($"/companies/{company.Id}", CompanyResponse.From(company));
    }

    private static async Task<Ok<ListPage<CompanyResponse>>> List(
        [AsParameters] NameSearch search, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var companies = AccountAccess.VisibleCompanies(db, user);
        if (!string.IsNullOrWhiteSpace(search.Search))
        {
            companies = companies.Where(c => EF.Functions.ILike(c.Name, search.ContainsPattern));
        }

        var page = await companies
            .OrderBy(c => c.Name).ThenBy(c => c.Id)
            .ToListPageAsync(search, c => CompanyResponse.From(c), cancellationToken);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<CompanyResponse>, NotFound>> Get(
        Guid id, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var company = await db.Companies.FindAsync([id], cancellationToken);
        if (company is null || await AccountAccess.ToCompanyAsync(db, user, company, cancellationToken) == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(CompanyResponse.From(company));
    }

    private static async Task<Results<Ok<CompanyResponse>, NotFound>> Rename(
        Guid id, RenameCompany request, AccountsDb db, TimeProvider time, CancellationToken cancellationToken)
    {
        var company = await db.Companies.FindAsync([id], cancellationToken);
        if (company is null)
        {
            return TypedResults.NotFound();
        }

        var name = request.Name.Trim();
        if (company.Name != name)
        {
            company.Name = name;
            db.AddIntegrationEvent(new CompanyRenamed(Guid.NewGuid(), time.GetUtcNow(), company.Id, name));
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(CompanyResponse.From(company));
    }

    private static ProblemHttpResult DuplicateReference(string reference) =>
        ApiProblems.Conflict($"A company with the external reference '{reference}' is already registered.");
}
