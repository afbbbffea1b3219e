using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Accounts.Access;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.Members;

/// <summary>Adds a portal user to an account, or changes their details or role there.</summary>
public sealed record AddMember(
    [property: Required, StringLength(200, MinimumLength = 1)] string UserId,
    [property: Required, EmailAddress, StringLength(320)] string Email,
    [property: Required, StringLength(200, MinimumLength = 1)] string DisplayName,
    [property: Required] MemberRole? Role);

public sealed record MemberResponse(string UserId, string Email, string DisplayName, MemberRole Role, DateTimeOffset AddedAt, string AddedBy)
{
    public static MemberResponse From(Member m) => new(m.UserId, m.Email, m.DisplayName, m.Role, m.AddedAt, m.AddedBy);
}

/// <summary>The accounts the calling user belongs to; companies include those reached through an organization.</summary>
public sealed record MyAccountsResponse(IReadOnlyList<MyCompany> Companies, IReadOnlyList<MyOrganization> Organizations);

/// <param name="Role">The user's own role on the company, if they are its member directly.</param>
/// <param name="ThroughOrganization">Whether the user sees it as a member of its organization.</param>
public sealed record MyCompany(Guid Id, string Name, Guid? OrganizationId, MemberRole? Role, bool ThroughOrganization);

public sealed record MyOrganization(Guid Id, string Name, MemberRole Role);

public static class MemberEndpoints
{
    public static IEndpointRouteBuilder MapMembers(this IEndpointRouteBuilder app)
    {
        MapMembersOf(app.MapGroup("/companies/{id:guid}/members").WithTags("Members"), AccountKind.Company);
        MapMembersOf(app.MapGroup("/organizations/{id:guid}/members").WithTags("Members"), AccountKind.Organization);

        app.MapGet("/me/accounts", MyAccounts)
            .WithTags("Members")
            .WithName("GetMyAccounts")
            .WithSummary("The companies and organizations the calling user belongs to");
        return app;
    }

    private static void MapMembersOf(RouteGroupBuilder members, AccountKind kind)
    {
        members.MapPost("/", (Guid id, AddMember request, AccountsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken ct) =>
                Add(kind, id, request, db, user, time, ct))
            .WithName($"Add{kind}Member")
            .WithSummary($"Add a user to a {kind.ToString().ToLowerInvariant()}, or change their role (staff or owners)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        members.MapGet("/", (Guid id, AccountsDb db, ClaimsPrincipal user, CancellationToken ct) => List(kind, id, db, user, ct))
            .WithName($"List{kind}Members")
            .WithSummary($"List a {kind.ToString().ToLowerInvariant()}'s members");

        members.MapDelete("/{userId}", (Guid id, string userId, AccountsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken ct) =>
                Remove(kind, id, userId, db, user, time, ct))
            .WithName($"Remove{kind}Member")
            .WithSummary($"Remove a user from a {kind.ToString().ToLowerInvariant()} (staff or owners)")
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task<Results<Created<MemberResponse>, Ok<MemberResponse>, NotFound, ProblemHttpResult>> Add(
        AccountKind kind, Guid accountId, AddMember request, AccountsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var right = await RightOnAsync(kind, accountId, db, user, cancellationToken);
        if (right == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        if (right != AccountRight.ManageMembers)
        {
            return ApiProblems.Forbidden("Only the account's owners and CIC staff manage its members.");
        }

        var now = time.GetUtcNow();
        var role = request.Role!.Value;
        var member = await db.Members.FindAsync([kind, accountId, request.UserId], cancellationToken);
        var isNew = member is null;
        if (member is null)
        {
            member = new Member { AccountKind = kind, AccountId = accountId, UserId = request.UserId };
            db.Members.Add(member);
        }
        else if (member.Email == request.Email && member.DisplayName == request.DisplayName && member.Role == role)
        {
            return TypedResults.Ok(MemberResponse.From(member)); // nothing changed, nothing to announce
        }

        member.Email = request.Email;
        member.DisplayName = request.DisplayName;
        member.Role = role;
        member.AddedAt = now;
        member.AddedBy = user.UserId();
        db.AddIntegrationEvent(new MemberAdded(Guid.NewGuid(), now, kind, accountId, member.UserId, member.Email, member.DisplayName, role));
        await db.SaveChangesAsync(cancellationToken);

        var response = MemberResponse.From(member);
        return isNew
            ? TypedResults.Created($"/{Segment(kind)}/{accountId}/members/{Uri.EscapeDataString(member.UserId)}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<List<MemberResponse>>, NotFound>> List(
        AccountKind kind, Guid accountId, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await RightOnAsync(kind, accountId, db, user, cancellationToken) == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        var members = await db.Members
            .Where(m => m.AccountKind == kind && m.AccountId == accountId)
            .OrderBy(m => m.DisplayName).ThenBy(m => m.UserId)
            .Select(m => MemberResponse.From(m))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(members);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Remove(
        AccountKind kind, Guid accountId, string userId, AccountsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var right = await RightOnAsync(kind, accountId, db, user, cancellationToken);
        if (right == AccountRight.None)
        {
            return TypedResults.NotFound();
        }

        if (right != AccountRight.ManageMembers)
        {
            return ApiProblems.Forbidden("Only the account's owners and CIC staff manage its members.");
        }

        var member = await db.Members.FindAsync([kind, accountId, userId], cancellationToken);
        if (member is null)
        {
            return TypedResults.NotFound();
        }

        db.Members.Remove(member);
        db.AddIntegrationEvent(new MemberRemoved(Guid.NewGuid(), time.GetUtcNow(), kind, accountId, userId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MyAccountsResponse>> MyAccounts(AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var memberships = await db.Members.Where(m => m.UserId == userId).ToListAsync(cancellationToken);
        var organizationRoles = memberships.Where(m => m.AccountKind == AccountKind.Organization).ToDictionary(m => m.AccountId, m => m.Role);
        var companyRoles = memberships.Where(m => m.AccountKind == AccountKind.Company).ToDictionary(m => m.AccountId, m => m.Role);

        var organizations = await db.Organizations
            .Where(o => organizationRoles.Keys.Contains(o.Id))
            .OrderBy(o => o.Name)
            .ToListAsync(cancellationToken);
        var companies = await db.Companies
            .Where(c => companyRoles.Keys.Contains(c.Id) || (c.OrganizationId != null && organizationRoles.Keys.Contains(c.OrganizationId.Value)))
            .OrderBy(c => c.Name)
            .ToListAsync(cancellationToken);

        return TypedResults.Ok(new MyAccountsResponse(
            companies.Select(c => new MyCompany(
                c.Id, c.Name, c.OrganizationId,
                companyRoles.TryGetValue(c.Id, out var role) ? role : null,
                c.OrganizationId is { } o && organizationRoles.ContainsKey(o))).ToList(),
            organizations.Select(o => new MyOrganization(o.Id, o.Name, organizationRoles[o.Id])).ToList()));
    }

    private static async Task<AccountRight> RightOnAsync(
        AccountKind kind, Guid accountId, AccountsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (kind == AccountKind.Organization)
        {
            return await db.Organizations.AnyAsync(o => o.Id == accountId, cancellationToken)
                ? await AccountAccess.ToOrganizationAsync(db, user, accountId, cancellationToken)
                : AccountRight.None;
        }

        var company = await db.Companies.FindAsync([accountId], cancellationToken);
        return company is null ? AccountRight.None : await AccountAccess.ToCompanyAsync(db, user, company, cancellationToken);
    }

    private static string Segment(AccountKind kind) => kind == AccountKind.Company ? "companies" : "organizations";
}
