using System.Security.Claims;
using Cic.Accounts.Companies;
using Cic.Accounts.Members;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts.Access;

/// <summary>What a caller may do with one company or organization.</summary>
public enum AccountRight
{
    /// <summary>Nothing; the account is answered as not found, so its existence does not leak.</summary>
    None,

    /// <summary>Read the account, its members and its billing arrangement.</summary>
    Read,

    /// <summary>Read, and add or remove its members.</summary>
    ManageMembers,
}

/// <summary>
/// Who may see and manage what. Staff may do anything. A customer user may read the accounts they
/// are a member of, and the companies of an organization they are a member of; owners (of the
/// account, or of the organization a company belongs to) manage members.
/// </summary>
public static class AccountAccess
{
    public static async Task<AccountRight> ToCompanyAsync(AccountsDb db, ClaimsPrincipal user, Company company, CancellationToken cancellationToken)
    {
        if (user.IsStaff())
        {
            return AccountRight.ManageMembers;
        }

        var userId = user.UserId();
        var roles = await db.Members
            .Where(m => m.UserId == userId
                && ((m.AccountKind == AccountKind.Company && m.AccountId == company.Id)
                    || (m.AccountKind == AccountKind.Organization && m.AccountId == company.OrganizationId)))
            .Select(m => m.Role)
            .ToListAsync(cancellationToken);
        return RightOf(roles);
    }

    public static async Task<AccountRight> ToOrganizationAsync(AccountsDb db, ClaimsPrincipal user, Guid organizationId, CancellationToken cancellationToken)
    {
        if (user.IsStaff())
        {
            return AccountRight.ManageMembers;
        }

        var userId = user.UserId();
        var roles = await db.Members
            .Where(m => m.UserId == userId && m.AccountKind == AccountKind.Organization && m.AccountId == organizationId)
            .Select(m => m.Role)
            .ToListAsync(cancellationToken);
        return RightOf(roles);
    }

    /// <summary>The companies the caller may read, for lists.</summary>
    public static IQueryable<Company> VisibleCompanies(AccountsDb db, ClaimsPrincipal user)
    {
        if (user.IsStaff())
        {
            return db.Companies;
        }

        var userId = user.UserId();
        var memberships = db.Members.Where(m => m.UserId == userId);
        return db.Companies.Where(c =>
            memberships.Any(m => m.AccountKind == AccountKind.Company && m.AccountId == c.Id)
            || memberships.Any(m => m.AccountKind == AccountKind.Organization && m.AccountId == c.OrganizationId));
    }

    /// <summary>The organizations the caller may read, for lists.</summary>
    public static IQueryable<Organizations.Organization> VisibleOrganizations(AccountsDb db, ClaimsPrincipal user)
    {
        if (user.IsStaff())
        {
            return db.Organizations;
        }

        var userId = user.UserId();
        return db.Organizations.Where(o =>
            db.Members.Any(m => m.UserId == userId && m.AccountKind == AccountKind.Organization && m.AccountId == o.Id));
    }

    private static AccountRight RightOf(List<MemberRole> roles) =>
        roles.Contains(MemberRole.Owner) ? AccountRight.ManageMembers
        : roles.Count > 0 ? AccountRight.Read
        : AccountRight.None;
}
