using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.CreditNotes;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Control;

/// <summary>
/// <c>/_emulator/*</c>: what Stripe's dashboard, the card networks or an outage would do, for tests and local runs.
/// Parameters are form-encoded or in the query string; no authentication (the emulator listens on loopback).
/// </summary>
internal sealed class ControlEndpoints(
    EmulatorState state,
    EventPublisher events,
    EmulatorControl control,
    FaultInjector faults,
    RateLimits rateLimits,
    WebhookDispatcher dispatcher,
    CreditNoteService creditNotes,
    ProductsEndpoints products) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/_emulator/reset", _ =>
        {
            // Reset takes the state lock itself; the router holds it already (locks are re-entrant).
            control.Reset();
            return new { reset = true };
        });
        router.Post("/_emulator/faults", ArmFault);
        // Uses still armed: a test sees when a delayed request has reached the emulator (and is being delayed now).
        router.Get("/_emulator/faults", _ => new { pending = faults.Pending });
        router.Delete("/_emulator/faults", _ =>
        {
            faults.Clear();
            return new { pending = 0 };
        });
        router.Post("/_emulator/rate-limits", SetRateLimits);
        router.Get("/_emulator/rate-limits", _ => DescribeRateLimits());
        router.Post("/_emulator/prices/{id}/change", ChangePrice);
        router.Post("/_emulator/invoices/{id}/refund", Refund);
        router.Post("/_emulator/invoices/{id}/credit", Credit);
        router.Post("/_emulator/payment_methods/{id}/expire", Expire);
        router.Post("/_emulator/payment_methods/{id}/automatic_update", AutomaticUpdate);
        router.Post("/_emulator/payment_methods/{id}/decline", Decline);
        router.Post("/_emulator/webhooks/drop", req => Switch(req, dispatcher.DropNext));
        router.Post("/_emulator/webhooks/duplicate", req => Switch(req, dispatcher.DuplicateNext));
        router.Post("/_emulator/webhooks/out_of_order", req => Switch(req, dispatcher.ReorderNext));
        router.Post("/_emulator/webhooks/hold", _ =>
        {
            dispatcher.Hold();
            return new { holding = true };
        });
        router.Post("/_emulator/webhooks/release", req => new { released = dispatcher.ReleaseHeld(req.Params.Bool("reverse") == true) });
        router.Get("/_emulator/webhooks/deliveries", _ => new { @object = "list", data = dispatcher.Deliveries() });
    }

    /// <summary>Arms a fault for the next <c>count</c> API requests (optionally only those whose path starts with <c>path</c>).</summary>
    private object ArmFault(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("status", "count", "should_retry", "latency_ms", "path", "method");
        var status = p.Long("status");
        if (status is not null and not 429 and not (>= 500 and <= 599))
        {
            throw StripeApiException.Invalid("status must be 429 or 5xx.", "status");
        }
        var latency = TimeSpan.FromMilliseconds(p.Long("latency_ms") ?? 0);
        if (status is null && latency == TimeSpan.Zero)
        {
            throw StripeApiException.Invalid("Give a status, a latency_ms, or both.", "status");
        }
        faults.Arm(new FaultInjector.Fault
        {
            Remaining = (int)(p.Long("count") ?? 1),
            Status = (int?)status,
            ShouldRetry = p.Bool("should_retry"),
            Latency = latency,
            PathPrefix = p.String("path"),
            Method = p.String("method"),
        });
        return new { pending = faults.Pending };
    }

    /// <summary>Stripe's rate limits from now on (0 = unlimited); the counts start again.</summary>
    private object SetRateLimits(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("requests_per_second", "meter_events_per_second");
        var requests = p.Decimal("requests_per_second") ?? (decimal)rateLimits.RequestsPerSecond;
        var meterEvents = p.Decimal("meter_events_per_second") ?? (decimal)rateLimits.MeterEventsPerSecond;
        if (requests < 0 || meterEvents < 0)
        {
            throw StripeApiException.Invalid("Rate limits cannot be negative.", requests < 0 ? "requests_per_second" : "meter_events_per_second");
        }
        rateLimits.Set((double)requests, (double)meterEvents);
        return DescribeRateLimits();
    }

    /// <summary>The limits, and how many requests were let through and answered 429 since they were set.</summary>
    private object DescribeRateLimits()
    {
        var (admitted, limited) = rateLimits.Counts;
        return new
        {
            requests_per_second = rateLimits.RequestsPerSecond,
            meter_events_per_second = rateLimits.MeterEventsPerSecond,
            admitted,
            limited,
        };
    }

    /// <summary>
    /// A rate change made in Stripe's dashboard: prices are immutable, so a new price with the new amount replaces the
    /// old one on subscriptions (from their next invoice on). Without <c>customer</c> it also takes over the lookup key
    /// and the old price is archived; with <c>customer</c> only that customer's subscriptions move (a contracted rate).
    /// </summary>
    private object ChangePrice(ApiRequest req)
    {
        var old = state.Prices.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("unit_amount", "unit_amount_decimal", "customer");
        var amount = p.Decimal("unit_amount_decimal") ?? p.Long("unit_amount") ?? throw StripeApiException.RequiredParameter("unit_amount");
        var customer = p.String("customer");
        if (customer is not null)
        {
            state.Customers.GetParam(customer, "customer");
        }
        var replacement = state.Prices.Add(new Price
        {
            Id = Ids.New("price"),
            Currency = old.Currency,
            Product = old.Product,
            Recurring = old.Recurring,
            UnitAmountExact = amount,
            Nickname = old.Nickname,
            Metadata = new Dictionary<string, string>(old.Metadata, StringComparer.Ordinal),
            Created = state.RealNow,
        });
        if (customer is null)
        {
            var lookupKey = old.LookupKey;
            var before = events.Snapshot(old);
            old.Active = false;
            events.PublishChanges("price.updated", old, before);
            products.ClaimLookupKey(lookupKey, transfer: true);
            replacement.LookupKey = lookupKey;
        }
        events.Publish("price.created", replacement);

        foreach (var subscription in state.Subscriptions.All.Where(s => s.IsLive && (customer is null || s.Customer == customer)))
        {
            var items = subscription.ItemList.Where(i => i.Price == old).ToList();
            if (items.Count == 0)
            {
                continue;
            }
            var before = events.Snapshot(subscription);
            items.ForEach(i => i.Price = replacement);
            events.PublishChanges("customer.subscription.updated", subscription, before);
        }
        return replacement;
    }

    /// <summary>A refund from the dashboard: a credit note refunding <c>amount</c> (default: all) of a paid invoice to the card.</summary>
    private object Refund(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        req.Params.Accept("amount", "reason", "memo");
        var amount = req.Params.Long("amount") ?? invoice.AmountPaid - invoice.PostPaymentCreditNotesAmount;
        return creditNotes.Issue(invoice, new CreditNoteService.Request(
            amount, [], req.Params.String("reason") ?? "product_unsatisfactory", req.Params.String("memo"),
            RefundAmount: amount, CreditAmount: 0, OutOfBandAmount: null, new Dictionary<string, string>(StringComparer.Ordinal)));
    }

    /// <summary>A credit from the dashboard: lowers an open invoice, or credits the customer balance for a paid one.</summary>
    private object Credit(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        req.Params.Accept("amount", "reason", "memo");
        var amount = req.Params.Long("amount") ?? throw StripeApiException.RequiredParameter("amount");
        return creditNotes.Issue(invoice, new CreditNoteService.Request(
            amount, [], req.Params.String("reason"), req.Params.String("memo"),
            RefundAmount: null, CreditAmount: null, OutOfBandAmount: null, new Dictionary<string, string>(StringComparer.Ordinal)));
    }

    /// <summary>The card passes its expiry date: exp_month/exp_year move to last month, so charges fail with <c>expired_card</c>.</summary>
    private object Expire(ApiRequest req)
    {
        var pm = state.PaymentMethods.Get(req.Route("id"));
        req.Params.Accept();
        var lastMonth = DateTimeOffset.FromUnixTimeSeconds(state.NowForCustomer(pm.Customer)).AddMonths(-1);
        pm.Card.ExpMonth = lastMonth.Month;
        pm.Card.ExpYear = lastMonth.Year;
        // The network changes the card without an API call: no event, exactly like a card silently expiring.
        return pm;
    }

    /// <summary>The card account updater: the issuer reports a new expiry (and maybe number); Stripe updates the card in place.</summary>
    private object AutomaticUpdate(ApiRequest req)
    {
        var pm = state.PaymentMethods.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("exp_month", "exp_year", "last4");
        var before = events.Snapshot(pm);
        var now = DateTimeOffset.FromUnixTimeSeconds(state.NowForCustomer(pm.Customer));
        pm.Card.ExpMonth = p.Long("exp_month") ?? pm.Card.ExpMonth;
        pm.Card.ExpYear = p.Long("exp_year") ?? Math.Max(pm.Card.ExpYear, now.Year) + 3;
        if (p.String("last4") is { } last4)
        {
            pm.Card.Last4 = last4;
            pm.Card.Fingerprint = Ids.Random(16);
        }
        if (pm.ChargeFailure == CardFailure.Expired)
        {
            pm.ChargeFailure = null;
        }
        events.PublishChanges("payment_method.automatically_updated", pm, before);
        return pm;
    }

    /// <summary>Makes the issuer decline every later charge on this card (<c>clear=true</c> undoes it).</summary>
    private object Decline(ApiRequest req)
    {
        var pm = state.PaymentMethods.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("code", "decline_code", "message", "clear");
        pm.ChargeFailure = p.Bool("clear") == true
            ? null
            : new CardFailure(p.String("code") ?? "card_declined", p.String("decline_code") ?? "generic_decline", p.String("message") ?? "Your card was declined.");
        return pm;
    }

    private static object Switch(ApiRequest req, Action<int> set)
    {
        var count = (int)(req.Params.Long("count") ?? 1);
        set(count);
        return new { count };
    }
}
