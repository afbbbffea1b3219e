using System.Security.Claims;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Members;

/// <summary>
/// Who may read a company's usage and calls: staff, the company's members, and the members of the
/// organization it belongs to. Anyone else is told the company does not exist.
/// </summary>
public static class CompanyAccess
{
    public static async Task<bool> CanReadCompanyAsync(this UsageDb db, ClaimsPrincipal user, Guid companyId, CancellationToken cancellationToken)
    {
        if (user.IsStaff())
        {
            return true;
        }

        var userId = user.UserId();
        return await db.Members.AnyAsync(
            member => member.IsMember && member.UserId == userId
                && ((member.AccountKind == AccountKind.Company && member.AccountId == companyId)
                    || (member.AccountKind == AccountKind.Organization
                        && db.OrganizationCompanies.Any(o => o.IsMember && o.CompanyId == companyId && o.OrganizationId == member.AccountId))),
            cancellationToken);
    }
}
