using Cic.Billing.BillingAccounts;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using global::Stripe;

namespace Cic.Billing.Customers;

/// <summary>
/// Each billing account's one Stripe customer and one subscription, created the first time they are
/// needed. Concurrent first uses queue on the account's Stripe lock (<see cref="AccountLock"/>), which is held
/// while Stripe is called; the id Stripe returns is then recorded in a short transaction under the row lock. A retry
/// or a restart after Stripe created the object but before the id was saved gets the same object back, through the
/// deterministic idempotency key and, after Stripe forgets keys (24 hours), through the metadata.
/// </summary>
public sealed class StripeCustomers(BillingDb db, NpgsqlDataSource dataSource, StripeClient stripe, StripeClock clock, IOptions<StripeOptions> options, TimeProvider time)
{
    public const string AccountIdKey = "cic_account_id";
    public const string AccountKindKey = "cic_account_kind";

    /// <summary>The account with its Stripe customer, creating the customer if it has none yet.</summary>
    public async Task<BillingAccount> EnsureCustomerAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.BillingAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId, cancellationToken);
        if (account.StripeCustomerId is not null)
        {
            return account;
        }

        await using var held = await dataSource.HoldStripeCustomerAsync(accountId, cancellationToken);
        // Read again under the lock: whoever held it before may have created the customer.
        account = await db.BillingAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId, cancellationToken);
        if (account.StripeCustomerId is not null)
        {
            return account;
        }

        var customer = await FindOrCreateCustomerAsync(account, cancellationToken);
        return await db.WithAccountLockAsync(accountId, locked =>
        {
            locked.StripeCustomerId ??= customer.Id;
            locked.CustomerCreatedAt ??= time.GetUtcNow();
            return Task.FromResult(locked);
        }, cancellationToken);
    }

    /// <summary>The account with its customer and its subscription on the metered price, creating what is missing.</summary>
    public async Task<BillingAccount> EnsureSubscriptionAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var account = await EnsureCustomerAsync(accountId, cancellationToken);
        if (account.StripeSubscriptionId is not null)
        {
            return account;
        }

        await using var held = await dataSource.HoldStripeCustomerAsync(accountId, cancellationToken);
        account = await db.BillingAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId, cancellationToken);
        if (account.StripeSubscriptionId is not null)
        {
            return account;
        }

        var subscription = await FindOrCreateSubscriptionAsync(account, cancellationToken);
        return await db.WithAccountLockAsync(accountId, locked =>
        {
            if (locked.StripeSubscriptionId is null)
            {
                locked.StripeSubscriptionId = subscription.Id;
                locked.SubscriptionStartedAt = new DateTimeOffset(DateTime.SpecifyKind(subscription.StartDate, DateTimeKind.Utc));
            }

            return Task.FromResult(locked);
        }, cancellationToken);
    }

    private async Task<Customer> FindOrCreateCustomerAsync(BillingAccount account, CancellationToken cancellationToken)
    {
        var found = await stripe.V1.Customers.SearchAsync(
            new CustomerSearchOptions { Query = $"metadata['{AccountIdKey}']:'{account.Id}'" }, cancellationToken: cancellationToken);
        if (found.Data.OrderBy(c => c.Created).FirstOrDefault() is { } existing)
        {
            return existing;
        }

        return await stripe.V1.Customers.CreateAsync(
            new CustomerCreateOptions
            {
                Name = account.Name,
                Metadata = new Dictionary<string, string>
                {
                    [AccountIdKey] = account.Id.ToString(),
                    [AccountKindKey] = account.Kind.ToString(),
                },
                TestClock = options.Value.TestClockForNewCustomers,
            },
            new RequestOptions { IdempotencyKey = $"cic-customer-{account.Id:N}" },
            cancellationToken);
    }

    private async Task<Subscription> FindOrCreateSubscriptionAsync(BillingAccount account, CancellationToken cancellationToken)
    {
        var existing = await stripe.V1.Subscriptions.ListAsync(
            new SubscriptionListOptions { Customer = account.StripeCustomerId, Limit = 100 }, cancellationToken: cancellationToken);
        if (existing.Data.FirstOrDefault(s => s.Metadata.TryGetValue(AccountIdKey, out var id) && id == account.Id.ToString()
                && s.Status is not ("canceled" or "incomplete_expired")) is { } subscription)
        {
            return subscription;
        }

        var lookupKey = options.Value.PriceLookupKey;
        var prices = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [lookupKey], Active = true }, cancellationToken: cancellationToken);
        var price = prices.Data.FirstOrDefault()
            ?? throw new InvalidOperationException($"Stripe has no active price with lookup key '{lookupKey}' (setting Stripe:PriceLookupKey); create the metered price in Stripe first.");

        // Cycles are calendar months in UTC: the first period runs to the next first of the month.
        var now = await clock.NowAsync(cancellationToken);
        return await stripe.V1.Subscriptions.CreateAsync(
            new SubscriptionCreateOptions
            {
                Customer = account.StripeCustomerId,
                Items = [new SubscriptionItemOptions { Price = price.Id }],
                BillingCycleAnchor = BillingCycle.Containing(now).End.UtcDateTime,
                ProrationBehavior = "none",
                CollectionMethod = "charge_automatically",
                Metadata = new Dictionary<string, string> { [AccountIdKey] = account.Id.ToString() },
            },
            new RequestOptions { IdempotencyKey = $"cic-subscription-{account.Id:N}" },
            cancellationToken);
    }
}
