using System.Security.Claims;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Accounts;

/// <summary>What a caller may do with a billing account's cards and invoices.</summary>
public enum BillingRight
{
    /// <summary>Nothing; the account is answered as not found, so its existence does not leak.</summary>
    None,

    /// <summary>See cards, readiness and invoices.</summary>
    Read,

    /// <summary>Add, choose and remove cards, and retry payments.</summary>
    Manage,
}

/// <summary>
/// Staff may do anything, but act on payment methods only under the customer's staff authorization
/// (<see cref="PaymentMethods.StaffAuthorizationEndpoints"/>). A customer user may read the billing
/// of the accounts they are a member of, and of the companies of an organization they are a member
/// of; owners and billing members manage it.
/// </summary>
public static class BillingAccess
{
    public static async Task<(BillingAccount? Account, BillingRight Right)> FindAccountAsync(
        this BillingDb db, ClaimsPrincipal user, Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.BillingAccounts.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return (null, BillingRight.None);
        }

        if (user.IsStaff())
        {
            return (account, BillingRight.Manage);
        }

        var userId = user.UserId();
        var roles = await db.Members
            .Where(m => m.IsMember && m.UserId == userId
                && ((m.AccountKind == account.Kind && m.AccountId == account.Id)
                    || (account.Kind == AccountKind.Company && m.AccountKind == AccountKind.Organization
                        && db.OrganizationCompanies.Any(o => o.IsMember && o.CompanyId == account.Id && o.OrganizationId == m.AccountId))))
            .Select(m => m.Role)
            .ToListAsync(cancellationToken);
        var right = roles.Count == 0 ? BillingRight.None
            : roles.Any(r => r is MemberRole.Owner or MemberRole.Billing) ? BillingRight.Manage
            : BillingRight.Read;
        return (right == BillingRight.None ? null : account, right);
    }
}
