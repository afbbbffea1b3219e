using Cic.Billing.BillingAccounts;
using Cic.Billing.Customers;
using Cic.Billing.Stripe;
using Cic.Contracts.Billing;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using global::Stripe;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// The one way cards are learned: re-reading a customer's default card and cards from Stripe, after
/// a webhook, a change made through the API, or the periodic reconciliation. Never from the portal.
/// </summary>
public sealed class CardSync(BillingDb db, StripeClient stripe, StripeClock clock, TimeProvider time)
{
    public async Task SyncSetupIntentAsync(string setupIntentId, CancellationToken cancellationToken)
    {
        var intent = await stripe.V1.SetupIntents.GetAsync(setupIntentId, cancellationToken: cancellationToken);
        if (intent.CustomerId is { } customerId)
        {
            // The setup is recorded under the account's lock, the lock every card sync takes first,
            // so a sync crediting the card and this one never wait on each other.
            await SyncCustomerAsync(customerId, cancellationToken, intent);
        }
    }

    /// <summary>
    /// Re-reads the customer's default card, delinquency and cards, holding the account's lock so that
    /// concurrent syncs (a webhook, staff, the reconciliation) apply one after the other; reports cards
    /// found expired.
    /// </summary>
    public async Task SyncCustomerAsync(string customerId, CancellationToken cancellationToken, SetupIntent? finishedSetup = null)
    {
        var accountId = await db.BillingAccounts.Where(a => a.StripeCustomerId == customerId).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(cancellationToken)
            ?? await AdoptAsync(customerId, cancellationToken);
        if (accountId is not { } id)
        {
            return; // not one of the platform's customers
        }

        await db.WithAccountLockAsync(id, async account =>
        {
            if (finishedSetup is not null && await db.CardSetups.FirstOrDefaultAsync(s => s.Id == finishedSetup.Id, cancellationToken) is { } setup)
            {
                setup.Status = finishedSetup.Status;
                setup.PaymentMethodId = finishedSetup.PaymentMethodId ?? setup.PaymentMethodId;
            }

            await SyncLockedAsync(account, customerId, cancellationToken);
            return account;
        }, cancellationToken);
    }

    private async Task SyncLockedAsync(BillingAccount account, string customerId, CancellationToken cancellationToken)
    {
        var customer = await stripe.V1.Customers.GetAsync(customerId, cancellationToken: cancellationToken);
        if (customer.Deleted is true)
        {
            return;
        }

        account.DefaultPaymentMethodId = customer.InvoiceSettings?.DefaultPaymentMethodId;
        account.Delinquent = customer.Delinquent ?? false;

        var now = time.GetUtcNow();
        var known = await db.Cards.Where(c => c.StripeCustomerId == customerId).ToDictionaryAsync(c => c.Id, cancellationToken);
        var seen = new HashSet<string>();
        await foreach (var method in stripe.V1.Customers.PaymentMethods.ListAutoPagingAsync(
            customerId, new CustomerPaymentMethodListOptions { Type = "card", Limit = 100 }, cancellationToken: cancellationToken))
        {
            if (method.Card is null)
            {
                continue;
            }

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

        await CreditSettersAsync(account, known.Values, now, cancellationToken);
        ReportExpired(account, known.Values, await clock.NowAsync(cancellationToken), now);
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
    /// Credits cards saved through the portal's card form to whoever started it. The card may be
    /// reported before its SetupIntent's success is, so recent unfinished setups are re-read here.
    /// </summary>
    private async Task CreditSettersAsync(BillingAccount account, IEnumerable<Card> cards, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var uncredited = cards.Where(c => c.AddedBy is null && c.DetachedAt is null).ToList();
        if (uncredited.Count == 0)
        {
            return;
        }

        var recently = now.AddDays(-1); // a card form left unfinished for a day is abandoned
        var setups = await db.CardSetups
            .Where(s => s.AccountId == account.Id && (s.PaymentMethodId != null || s.RequestedAt > recently))
            .ToListAsync(cancellationToken);
        foreach (var setup in setups.Where(s => s.PaymentMethodId is null && s.Status is not ("succeeded" or "canceled")))
        {
            var intent = await stripe.V1.SetupIntents.GetAsync(setup.Id, cancellationToken: cancellationToken);
            setup.Status = intent.Status;
            setup.PaymentMethodId = intent.PaymentMethodId;
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
