using Cic.Billing.BillingAccounts;
using Cic.Billing.Customers;
using Cic.Billing.Stripe;
using Cic.Contracts.Billing;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using global::Stripe;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// The one way cards are learned: re-reading a customer's default card and cards from Stripe, after
/// a webhook, a change made through the API, or the periodic reconciliation. Never from the portal.
/// Stripe is read holding the account's Stripe lock and no transaction; what it said is then recorded
/// in a short transaction under the account's row lock (<see cref="AccountLock"/>).
/// </summary>
public sealed class CardSync(BillingDb db, NpgsqlDataSource dataSource, StripeClient stripe, StripeClock clock, TimeProvider time)
{
    public async Task SyncSetupIntentAsync(string setupIntentId, CancellationToken cancellationToken)
    {
        var intent = await stripe.V1.SetupIntents.GetAsync(setupIntentId, cancellationToken: cancellationToken);
        if (intent.CustomerId is { } customerId)
        {
            // The setup is recorded with the sync that credits its card, under the same locks.
            await SyncCustomerAsync(customerId, cancellationToken, intent);
        }
    }

    /// <summary>
    /// Re-reads the customer's default card, delinquency and cards, holding the account's Stripe lock so that
    /// concurrent syncs and card changes (a webhook, staff, the reconciliation) read and record one after the
    /// other; reports cards found expired.
    /// </summary>
    public async Task SyncCustomerAsync(string customerId, CancellationToken cancellationToken, SetupIntent? finishedSetup = null)
    {
        var accountId = await db.BillingAccounts.Where(a => a.StripeCustomerId == customerId).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(cancellationToken)
            ?? await AdoptAsync(customerId, cancellationToken);
        if (accountId is not { } id)
        {
            return; // not one of the platform's customers
        }

        await using var held = await dataSource.HoldStripeCustomerAsync(id, cancellationToken);
        var read = await ReadCustomerAsync(id, customerId, cancellationToken);
        await db.WithAccountLockAsync(id, async account =>
        {
            if (finishedSetup is not null && await db.CardSetups.FirstOrDefaultAsync(s => s.Id == finishedSetup.Id, cancellationToken) is { } setup)
            {
                setup.Status = finishedSetup.Status;
                setup.PaymentMethodId = finishedSetup.PaymentMethodId ?? setup.PaymentMethodId;
            }

            if (read is not null)
            {
                await RecordAsync(account, customerId, read, cancellationToken);
            }

            return account;
        }, cancellationToken);
    }

    /// <summary>
    /// The account's card, re-reading the customer from Stripe if it is not known yet: the portal may
    /// act on a card the moment Stripe's form saved it, before the webhook was processed.
    /// </summary>
    public async Task<Card?> ActiveCardAsync(BillingAccount account, string paymentMethodId, CancellationToken cancellationToken)
    {
        var card = await db.Cards.FirstOrDefaultAsync(c => c.Id == paymentMethodId && c.AccountId == account.Id && c.DetachedAt == null, cancellationToken);
        if (card is null && account.StripeCustomerId is not null)
        {
            await SyncCustomerAsync(account.StripeCustomerId, cancellationToken);
            card = await db.Cards.FirstOrDefaultAsync(c => c.Id == paymentMethodId && c.AccountId == account.Id && c.DetachedAt == null, cancellationToken);
        }

        return card;
    }

    /// <summary>What Stripe says of a customer, read before any transaction opens.</summary>
    /// <param name="Customer">The customer: its default card and delinquency.</param>
    /// <param name="Cards">Its cards, as Stripe lists them.</param>
    /// <param name="OpenSetups">The card forms started in the last day and not finished as far as Billing knows, as Stripe has them now.</param>
    /// <param name="CustomerNow">"Now" by the customer's Stripe clock: cards expire by it.</param>
    private sealed record CustomerRead(Customer Customer, List<PaymentMethod> Cards, List<SetupIntent> OpenSetups, DateTimeOffset CustomerNow);

    /// <returns>Null when Stripe deleted the customer.</returns>
    private async Task<CustomerRead?> ReadCustomerAsync(Guid accountId, string customerId, CancellationToken cancellationToken)
    {
        var customer = await stripe.V1.Customers.GetAsync(customerId, cancellationToken: cancellationToken);
        if (customer.Deleted is true)
        {
            return null;
        }

        var cards = new List<PaymentMethod>();
        await foreach (var method in stripe.V1.Customers.PaymentMethods.ListAutoPagingAsync(
            customerId, new CustomerPaymentMethodListOptions { Type = "card", Limit = 100 }, cancellationToken: cancellationToken))
        {
            if (method.Card is not null)
            {
                cards.Add(method);
            }
        }

        // A card may be reported before its SetupIntent's success is: while a listed card is not credited to whoever
        // saved it, the unfinished card forms are re-read to find whose it is (see CreditSetters).
        var credited = await db.Cards.AsNoTracking()
            .Where(c => c.StripeCustomerId == customerId && c.AddedBy != null).Select(c => c.Id).ToListAsync(cancellationToken);
        var openSetups = new List<SetupIntent>();
        if (cards.Any(c => !credited.Contains(c.Id)))
        {
            var recently = time.GetUtcNow().AddDays(-1); // a card form left unfinished for a day is abandoned
            var unfinished = await db.CardSetups.AsNoTracking()
                .Where(s => s.AccountId == accountId && s.PaymentMethodId == null && s.RequestedAt > recently && s.Status != "succeeded" && s.Status != "canceled")
                .Select(s => s.Id)
                .ToListAsync(cancellationToken);
            foreach (var setupId in unfinished)
            {
                openSetups.Add(await stripe.V1.SetupIntents.GetAsync(setupId, cancellationToken: cancellationToken));
            }
        }

        return new CustomerRead(customer, cards, openSetups, await clock.NowAsync(cancellationToken));
    }

    /// <summary>Records what <paramref name="read"/> says, under the account's row lock; the caller saves.</summary>
    private async Task RecordAsync(BillingAccount account, string customerId, CustomerRead read, CancellationToken cancellationToken)
    {
        account.DefaultPaymentMethodId = read.Customer.InvoiceSettings?.DefaultPaymentMethodId;
        account.Delinquent = read.Customer.Delinquent ?? false;

        var now = time.GetUtcNow();
        var known = await db.Cards.Where(c => c.StripeCustomerId == customerId).ToDictionaryAsync(c => c.Id, cancellationToken);
        var seen = new HashSet<string>();
        foreach (var method in read.Cards)
        {
            seen.Add(method.Id);
            if (!known.TryGetValue(method.Id, out var card))
            {
                card = new Card
                {
                    Id = method.Id,
                    StripeCustomerId = customerId,
                    Brand = method.Card.Brand,
                    Last4 = method.Card.Last4,
                    CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(method.Created, DateTimeKind.Utc)),
                };
                db.Cards.Add(card);
                known[method.Id] = card;
            }

            if (card.ExpMonth != (int)method.Card.ExpMonth || card.ExpYear != (int)method.Card.ExpYear)
            {
                // A new expiry (the card account updater, a re-issued card) is reported again when it passes.
                card.ExpiryReportedAt = null;
            }

            card.AccountId = account.Id;
            card.StripeCustomerId = customerId;
            card.Brand = method.Card.Brand;
            card.Last4 = method.Card.Last4;
            card.ExpMonth = (int)method.Card.ExpMonth;
            card.ExpYear = (int)method.Card.ExpYear;
            card.DetachedAt = null;
            card.SyncedAt = now;
        }

        foreach (var gone in known.Values.Where(c => !seen.Contains(c.Id) && c.DetachedAt is null))
        {
            gone.DetachedAt = now;
        }

        await CreditSettersAsync(account, known.Values, read.OpenSetups, cancellationToken);
        ReportExpired(account, known.Values, read.CustomerNow, now);
        account.SyncedAt = now;
    }

    /// <summary>
    /// The expiry pass's report for one account: under the account's lock, reading its cards after taking it
    /// (a webhook sync may just have reported them), in its own transaction. Call it on a fresh scope, so no
    /// card read before the lock is tracked.
    /// </summary>
    public Task ReportExpiredAsync(Guid accountId, DateTimeOffset customerNow, CancellationToken cancellationToken) =>
        db.WithAccountLockAsync(accountId, async account =>
        {
            var cards = await db.Cards.Where(c => c.AccountId == accountId && c.DetachedAt == null && c.ExpiryReportedAt == null).ToListAsync(cancellationToken);
            ReportExpired(account, cards, customerNow, time.GetUtcNow());
            return account;
        }, cancellationToken);

    /// <summary>
    /// Reports every card of the account that has passed its expiry and was not reported yet. Runs on
    /// each sync and in the daily expiry pass, always under the account's lock with the cards read after
    /// taking it, so "reported already?" and the outbox event are decided and saved in one transaction; the
    /// caller saves. The event id is named by the card and its expiry, so even a repeat is one announcement.
    /// </summary>
    /// <param name="customerNow">"Now" as the customer's Stripe clock says (see <see cref="StripeClock"/>): cards expire by it.</param>
    /// <param name="now">When this happens.</param>
    private void ReportExpired(BillingAccount account, IEnumerable<Card> cards, DateTimeOffset customerNow, DateTimeOffset now)
    {
        foreach (var card in cards.Where(c => c.DetachedAt is null && c.ExpiryReportedAt is null && c.ExpiresAt <= customerNow))
        {
            card.ExpiryReportedAt = now;
            db.AddIntegrationEvent(new PaymentMethodExpired(
                ExpiredEventId(card.Id, card.ExpMonth, card.ExpYear), now, account.Kind, account.Id, card.Id, card.Brand, card.Last4, card.ExpMonth, card.ExpYear,
                WasDefault: card.Id == account.DefaultPaymentMethodId));
        }
    }

    /// <summary>One expiry of one card is one announcement: a re-issued card (new expiry) is another.</summary>
    public static Guid ExpiredEventId(string paymentMethodId, int expMonth, int expYear) =>
        EventIds.FromName($"payment-method-expired:{paymentMethodId}:{expYear:D4}-{expMonth:D2}");

    /// <summary>
    /// A customer created just before a crash, whose id was never saved, still names its account in its
    /// metadata: adopt it, so the next first use does not create a second one.
    /// </summary>
    private async Task<Guid?> AdoptAsync(string customerId, CancellationToken cancellationToken)
    {
        var customer = await stripe.V1.Customers.GetAsync(customerId, cancellationToken: cancellationToken);
        if (customer.Metadata?.TryGetValue(StripeCustomers.AccountIdKey, out var id) is not true || !Guid.TryParse(id, out var accountId))
        {
            return null;
        }

        var adopted = await db.BillingAccounts
            .Where(a => a.Id == accountId && a.StripeCustomerId == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.StripeCustomerId, customerId).SetProperty(x => x.CustomerCreatedAt, time.GetUtcNow()), cancellationToken);
        return adopted == 1 ? accountId : null;
    }

    /// <summary>
    /// Credits cards saved through the portal's card form to whoever started it, from the forms' setups as stored and,
    /// for those not finished as far as Billing knew, as Stripe has them now (<paramref name="openSetups"/>).
    /// </summary>
    private async Task CreditSettersAsync(BillingAccount account, IEnumerable<Card> cards, List<SetupIntent> openSetups, CancellationToken cancellationToken)
    {
        var uncredited = cards.Where(c => c.AddedBy is null && c.DetachedAt is null).ToList();
        if (uncredited.Count == 0)
        {
            return;
        }

        var openIds = openSetups.Select(i => i.Id).ToList();
        var setups = await db.CardSetups
            .Where(s => s.AccountId == account.Id && (s.PaymentMethodId != null || openIds.Contains(s.Id)))
            .ToListAsync(cancellationToken);
        foreach (var intent in openSetups)
        {
            if (setups.FirstOrDefault(s => s.Id == intent.Id) is { PaymentMethodId: null } setup)
            {
                setup.Status = intent.Status;
                setup.PaymentMethodId = intent.PaymentMethodId;
            }
        }

        foreach (var card in uncredited)
        {
            if (setups.FirstOrDefault(s => s.PaymentMethodId == card.Id) is { } setup)
            {
                card.AddedBy = setup.RequestedBy;
                card.AddedByStaff = setup.RequestedByStaff;
            }
        }
    }
}
