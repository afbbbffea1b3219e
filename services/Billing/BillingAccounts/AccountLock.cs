using Cic.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.Billing.BillingAccounts;

/// <summary>
/// The two locks of a billing account. Whatever reads or changes the account's Stripe customer and records what it
/// learned (creating the customer or subscription, re-reading its cards, setting the default card, removing a card)
/// first holds <see cref="HoldStripeCustomerAsync"/>, calls Stripe while holding it, and then records the outcome
/// in a short transaction under <see cref="WithAccountLockAsync"/>. No transaction stays open while Stripe is called,
/// yet two instances or two webhooks never act on one account's Stripe customer at once: the second waits, then
/// reads Stripe after the first recorded what it did, so an older read never overwrites a newer one.
/// </summary>
public static class AccountLock
{
    /// <summary>
    /// Holds the account's Stripe lock on a connection of its own, in no transaction, until disposed. Take it before
    /// <see cref="WithAccountLockAsync"/>, never inside it, and never twice in one flow (it is not re-entrant).
    /// </summary>
    public static Task<IAsyncDisposable> HoldStripeCustomerAsync(this NpgsqlDataSource dataSource, Guid accountId, CancellationToken cancellationToken) =>
        dataSource.HoldAsync($"cic-billing-stripe-customer:{accountId}", cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on the account holding its row lock, in the caller's transaction or a new one
    /// committed afterwards, and saves. Database work only: what Stripe said is read before, under
    /// <see cref="HoldStripeCustomerAsync"/>. The daily card-expiry pass, which calls no one, takes only this lock.
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
