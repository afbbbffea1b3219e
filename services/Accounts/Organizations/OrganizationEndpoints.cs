using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Accounts.Access;
using Cic.Accounts.Companies;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.Organizations;

/// <summary>Creates an organization.</summary>
public sealed record CreateOrganization([property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name);

public sealed record OrganizationResponse(Guid Id, string Name, DateTimeOffset CreatedAt)
{
    public static OrganizationResponse From(Organization organization) => new(organization.Id, organization.Name, organization.CreatedAt);
}

public static class OrganizationEndpoints
{
    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var organizations = app.MapGroup("/organizations").WithTags("Organizations");

        organizations.MapPost("/", Create)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("CreateOrganization")
            .WithSummary("Create an organization (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        organizations.MapGet("/", List)
            .WithName("ListOrganizations")
            .WithSummary("List the organizations the caller may see, optionally searching by name");

        organizations.MapGet("/{id:guid}", Get)
            .WithName("GetOrganization")
            .WithSummary("Get an organization");

        organizations.MapGet("/{id:guid}/companies", Companies)
            .WithName("ListOrganizationCompanies")
            .WithSummary("List the companies that belong to an organization");

        return app;
    }

    private static async Task<Created<OrganizationResponse>> Create(
        CreateOrganization request, AccountsDb db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var organization = new Organization { Id = Guid.NewGuid(), Name = request.Name.Trim(), CreatedAt = now };
        db.Organizations.Add(organization);
        db.AddIntegrationEvent(new OrganizationCreated(Guid.NewGuid(), now, organization.Id, organization.Name));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/organizations/{organization.Id}", OrganizationResponse.From(organization));
    }

    private static async Task<Ok<ListPage<OrganizationResponse>>> List(
        [AsParameters] NameSearch search, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var organizations = AccountAccess.VisibleOrganizations(db, user);
        if (!string.IsNullOrWhiteSpace(search.Search))
        {
            organizations = organizations.Where(o => EF.Functions.ILike(o.Name, search.ContainsPattern));
        }

        var page = await organizations
            .OrderBy(o => o.Name).ThenBy(o => o.Id)
            .ToListPageAsync(search, o => OrganizationResponse.From(o), cancellationToken);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<OrganizationResponse>, NotFound>> Get(
        Guid id, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.FindAsync([id], cancellationToken);
        if (organization is null || await AccountAccess.ToOrganizationAsync(db, user, id, cancellationToken) == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(OrganizationResponse.From(organization));
    }

    private static async Task<Results<Ok<List<CompanyResponse>>, NotFound>> Companies(
        Guid id, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await db.Organizations.AnyAsync(o => o.Id == id, cancellationToken)
            || await AccountAccess.ToOrganizationAsync(db, user, id, cancellationToken) == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        var companies = await db.Companies
            .Where(c => c.OrganizationId == id)
            .OrderBy(c => c.Name).ThenBy(c => c.Id)
            .Select(c => CompanyResponse.From(c))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(companies);
    }
}
