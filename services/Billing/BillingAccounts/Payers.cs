using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.BillingAccounts;

/// <summary>Which billing account pays for a company's usage at a given moment.</summary>
public static partial class Payers
{
    /// <summary>
    /// The arrangement in force at <paramref name="at"/>: the latest one that started by then, or, for
    /// usage from before the company's first arrangement, that first one. Null while Accounts has not
    /// told Billing about the company yet.
    /// </summary>
    public static async Task<BillingArrangement?> InForceAtAsync(this BillingDb db, Guid companyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        InForceAt(await db.BillingArrangements.Where(a => a.CompanyId == companyId).ToListAsync(cancellationToken), at); // a handful per company

    /// <summary>
    /// The billing account invoiced for <paramref name="account"/>'s usage at <paramref name="at"/>: an organization
    /// itself; a company, the payer of the arrangement in force. Null while Accounts has not said who pays for the
    /// company, or Billing does not know the paying organization yet.
    /// </summary>
    public static async Task<BillingAccount?> PayingAccountAtAsync(this BillingDb db, BillingAccount account, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (account.Kind == Contracts.AccountKind.Organization)
        {
            return account;
        }

        var arrangement = await db.InForceAtAsync(account.Id, at, cancellationToken);
        return arrangement is null ? null
            : arrangement.PayerId == account.Id ? account
            : await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == arrangement.PayerId, cancellationToken);
    }
}
