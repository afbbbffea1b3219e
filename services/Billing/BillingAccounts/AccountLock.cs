using Cic.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.BillingAccounts;

public static class AccountLock
{
    /// <summary>
    /// Runs <paramref name="work"/> on the account holding its row lock, in the caller's transaction or
    /// a new one committed afterwards, and saves. Whatever changes an account's Stripe state (creating
    /// its customer, re-reading its cards, reporting expired cards, recording a default card set or a card
    /// removed through the API) goes through here, so two instances or two webhooks never act on one
    /// account at once: the second waits and then sees what the first did.
    /// </summary>
    public static Task<T> WithAccountLockAsync<T>(this BillingDb db, Guid accountId, Func<BillingAccount, Task<T>> work, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async () =>
        {
            var account = await db.BillingAccounts
                .FromSql($"SELECT * FROM billing_accounts WHERE id = {accountId} FOR UPDATE")
                .SingleAsync(cancellationToken);
            // An instance tracked before the lock keeps its old values: read what the lock protects.
            await db.Entry(account).ReloadAsync(cancellationToken);
            return await work(account);
        }, cancellationToken);
}
