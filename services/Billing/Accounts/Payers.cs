using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Accounts;

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
}
