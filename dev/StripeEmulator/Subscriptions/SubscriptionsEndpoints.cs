using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Subscriptions;

/// <summary><c>/v1/subscriptions</c> and <c>/v1/subscription_items</c> (classic billing mode, one interval per subscription).</summary>
internal sealed class SubscriptionsEndpoints(
    EmulatorState state,
    EventPublisher events,
    InvoiceService invoices,
    SubscriptionService subscriptions,
    PaymentMethodService paymentMethods) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/subscriptions", Create);
        router.Get("/v1/subscriptions/{id}", req => state.Subscriptions.Get(req.Route("id")));
        router.Post("/v1/subscriptions/{id}", Update);
        router.Delete("/v1/subscriptions/{id}", Cancel);
        router.Get("/v1/subscriptions", List);
        router.Get("/v1/subscription_items/{id}", req => state.SubscriptionItems.Get(req.Route("id")));
        router.Get("/v1/subscription_items", ListItems);
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("customer", "items", "billing_cycle_anchor", "proration_behavior", "collection_method", "days_until_due",
            "default_payment_method", "payment_behavior", "off_session", "metadata", "description", "cancel_at_period_end", "cancel_at", "currency");
        var customer = CustomersEndpoints.Live(state, p.RequiredString("customer"), "customer");
        var now = state.NowFor(customer.TestClock);
        var itemParams = p.List("items") is { Count: > 0 } list ? list : throw StripeApiException.RequiredParameter("items");
        var prices = itemParams.Select((item, i) => RecurringPrice(item.String("price") ?? throw StripeApiException.RequiredParameter($"items[{i}][price]"), $"items[{i}][price]")).ToList();
        RequireCompatible(prices);
        var recurring = prices[0].Recurring!;

        var anchor = p.Long("billing_cycle_anchor");
        if (anchor is not null && anchor <= now)
        {
            throw StripeApiException.Invalid("billing_cycle_anchor cannot be in the past.", "billing_cycle_anchor");
        }
        var firstEnd = anchor ?? BillingPeriods.Add(now, recurring.Interval, recurring.IntervalCount, 1);
        var proration = p.OneOf("proration_behavior", "create_prorations", "none", "always_invoice") ?? "create_prorations";
        var collection = p.OneOf("collection_method", "charge_automatically", "send_invoice") ?? "charge_automatically";
        var daysUntilDue = p.Long("days_until_due");
        if (collection == "send_invoice" && daysUntilDue is null)
        {
            throw StripeApiException.Invalid("days_until_due is required when collection_method is send_invoice.", "days_until_due");
        }
        var paymentBehavior = p.OneOf("payment_behavior", "allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete") ?? "allow_incomplete";
        var defaultPm = p.String("default_payment_method") is { } pmId ? paymentMethods.RequireAttached(pmId, customer, "default_payment_method") : null;

        // What the first invoice charges: licensed items for the first period; with a future anchor that period is
        // partial and prorated (or free with proration_behavior=none). Metered usage is billed at period end.
        var fraction = 1m;
        if (anchor is not null)
        {
            var fullStart = BillingPeriods.Add(anchor.Value, recurring.Interval, recurring.IntervalCount, -1);
            fraction = proration == "none" ? 0m : (decimal)(firstEnd - now) / (anchor.Value - fullStart);
        }
        var firstAmount = itemParams.Select((item, i) => prices[i].IsMetered ? 0 : InvoiceService.RoundMinor((item.Long("quantity") ?? 1) * prices[i].UnitAmountExact * fraction)).Sum();
        if (firstAmount > 0 && collection == "charge_automatically" && paymentBehavior != "default_incomplete")
        {
            var pm = defaultPm ?? state.PaymentMethods.Find(customer.InvoiceSettings.DefaultPaymentMethod)
                ?? throw StripeApiException.Invalid("This customer has no attached payment source or default payment method.", "default_payment_method", "resource_missing");
            if (paymentBehavior == "error_if_incomplete" && PaymentProcessor.FailureFor(pm, now) is { } failure)
            {
                // error_if_incomplete: Stripe creates nothing when the first payment fails.
                throw PaymentProcessor.Decline(failure);
            }
        }

        var subscription = state.Subscriptions.Add(new Subscription
        {
            Id = Ids.New("sub"),
            Customer = customer.Id,
            Currency = prices[0].Currency,
            CollectionMethod = collection,
            DaysUntilDue = daysUntilDue,
            DefaultPaymentMethod = defaultPm?.Id,
            Description = p.String("description"),
            Metadata = p.NewMap("metadata"),
            BillingCycleAnchor = anchor ?? now,
            Created = now,
            StartDate = now,
            TestClock = customer.TestClock,
            Status = "active",
        });
        for (var i = 0; i < itemParams.Count; i++)
        {
            subscription.ItemList.Add(state.SubscriptionItems.Add(new SubscriptionItem
            {
                Id = Ids.New("si", 14),
                Subscription = subscription.Id,
                Price = prices[i],
                Quantity = prices[i].IsMetered ? null : itemParams[i].Long("quantity") ?? 1,
                Metadata = itemParams[i].NewMap("metadata"),
                Created = now,
                CurrentPeriodStart = now,
                CurrentPeriodEnd = firstEnd,
            }));
        }
        if (p.Bool("cancel_at_period_end") == true)
        {
            subscription.CancelAtPeriodEnd = true;
            subscription.CancelAt = firstEnd;
        }
        else if (p.Long("cancel_at") is { } cancelAt)
        {
            subscription.CancelAt = cancelAt;
        }
        if (customer.Currency is null)
        {
            customer.Currency = subscription.Currency;
        }

        var invoice = invoices.CreateForSubscription(subscription, "subscription_create", now, now, now);
        if (fraction > 0)
        {
            foreach (var item in subscription.ItemList.Where(i => !i.Price.IsMetered))
            {
                invoices.AddLicensedLine(invoice, item, now, firstEnd, fraction);
            }
        }
        if (firstAmount > 0 && paymentBehavior == "default_incomplete")
        {
            subscription.Status = "incomplete";
        }
        events.Publish("customer.subscription.created", subscription);
        events.Publish("invoice.created", invoice);

        // Stripe finalizes the first invoice of a charge_automatically subscription during the create call.
        invoices.Finalize(invoice, now);
        if (invoice.Status == "open" && collection == "charge_automatically" && paymentBehavior != "default_incomplete")
        {
            invoices.Attempt(invoice, explicitMethod: null, automatic: true, now);
        }
        return subscription;
    }

    private object Update(ApiRequest req)
    {
        var subscription = state.Subscriptions.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("metadata", "default_payment_method", "cancel_at_period_end", "cancel_at", "description", "items",
            "proration_behavior", "payment_behavior", "off_session", "cancellation_details");
        if (subscription.Status is "canceled" or "incomplete_expired")
        {
            throw StripeApiException.InvalidState($"A canceled subscription can only update its cancellation_details and metadata.", "subscription_canceled");
        }
        var customer = state.Customers.Get(subscription.Customer);
        var now = state.NowFor(subscription.TestClock);
        var before = events.Snapshot(subscription);

        if (p.IsCleared("default_payment_method"))
        {
            subscription.DefaultPaymentMethod = null;
        }
        else if (p.String("default_payment_method") is { } pmId)
        {
            subscription.DefaultPaymentMethod = paymentMethods.RequireAttached(pmId, customer, "default_payment_method").Id;
        }
        if (p.Has("description"))
        {
            subscription.Description = p.String("description");
        }
        if (p.Bool("cancel_at_period_end") is { } atPeriodEnd)
        {
            subscription.CancelAtPeriodEnd = atPeriodEnd;
            subscription.CancelAt = atPeriodEnd ? subscription.ItemList.Min(i => i.CurrentPeriodEnd) : null;
        }
        if (p.IsCleared("cancel_at"))
        {
            subscription.CancelAt = null;
            subscription.CancelAtPeriodEnd = false;
        }
        else if (p.Long("cancel_at") is { } cancelAt)
        {
            subscription.CancelAt = cancelAt > now ? cancelAt : throw StripeApiException.Invalid("cancel_at must be in the future.", "cancel_at");
        }
        if (p.String("cancellation_details[comment]") is { } comment)
        {
            subscription.CancellationDetails.Comment = comment;
        }
        p.ApplyMap("metadata", subscription.Metadata);
        if (p.List("items") is { } items)
        {
            UpdateItems(subscription, items, now);
        }
        events.PublishChanges("customer.subscription.updated", subscription, before);
        return subscription;
    }

    /// <summary>
    /// Item changes: <c>items[i][id]</c> with a new <c>price</c>/<c>quantity</c>, <c>items[i][deleted]=true</c> to remove,
    /// or a new <c>price</c> without id to add. No prorations are computed; usage already recorded in the current
    /// period is billed at the item's price at period end.
    /// </summary>
    private void UpdateItems(Subscription subscription, IReadOnlyList<ApiParams> items, long now)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var change = items[i];
            var existing = change.String("id") is { } itemId
                ? subscription.ItemList.FirstOrDefault(x => x.Id == itemId) ?? throw StripeApiException.MissingParam("subscription_item", itemId, $"items[{i}][id]")
                : null;
            if (existing is not null && change.Bool("deleted") == true)
            {
                subscription.ItemList.Remove(existing);
                continue;
            }
            var price = change.String("price") is { } priceId ? RecurringPrice(priceId, $"items[{i}][price]") : null;
            if (existing is null)
            {
                if (price is null)
                {
                    throw StripeApiException.RequiredParameter($"items[{i}][price]");
                }
                RequireCompatible([.. subscription.ItemList.Select(x => x.Price), price]);
                var first = subscription.ItemList.FirstOrDefault();
                subscription.ItemList.Add(state.SubscriptionItems.Add(new SubscriptionItem
                {
                    Id = Ids.New("si", 14),
                    Subscription = subscription.Id,
                    Price = price,
                    Quantity = price.IsMetered ? null : change.Long("quantity") ?? 1,
                    Created = now,
                    CurrentPeriodStart = first?.CurrentPeriodStart ?? now,
                    CurrentPeriodEnd = first?.CurrentPeriodEnd ?? BillingPeriods.Add(now, price.Recurring!.Interval, price.Recurring.IntervalCount, 1),
                }));
                continue;
            }
            if (price is not null)
            {
                RequireCompatible([.. subscription.ItemList.Where(x => x != existing).Select(x => x.Price), price]);
                existing.Price = price;
                existing.Quantity = price.IsMetered ? null : existing.Quantity ?? 1;
            }
            if (change.Long("quantity") is { } quantity && !existing.Price.IsMetered)
            {
                existing.Quantity = quantity;
            }
            change.ApplyMap("metadata", existing.Metadata);
        }
        if (subscription.ItemList.Count == 0)
        {
            throw StripeApiException.Invalid("A subscription must have at least one active plan.", "items");
        }
    }

    private object Cancel(ApiRequest req)
    {
        var subscription = state.Subscriptions.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("invoice_now", "prorate", "cancellation_details");
        if (subscription.Status == "canceled")
        {
            throw StripeApiException.InvalidState($"No such subscription: '{subscription.Id}' is already canceled.", "resource_missing");
        }
        subscription.CancellationDetails.Comment = p.String("cancellation_details[comment]") ?? subscription.CancellationDetails.Comment;
        subscription.CancellationDetails.Feedback = p.String("cancellation_details[feedback]") ?? subscription.CancellationDetails.Feedback;
        subscriptions.Cancel(subscription, "cancellation_requested", p.Bool("invoice_now") == true);
        return subscription;
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var customer = p.String("customer");
        var status = p.OneOf("status", "active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused", "all", "ended");
        var price = p.String("price");
        var clock = p.String("test_clock");
        var rows = state.Subscriptions.All.Where(s =>
            (customer is null || s.Customer == customer) &&
            (price is null || s.ItemList.Any(i => i.Price.Id == price)) &&
            (clock is null || s.TestClock == clock) &&
            status switch
            {
                // Stripe leaves canceled subscriptions out unless asked for them.
                null => s.Status != "canceled",
                "all" => true,
                "ended" => s.Status is "canceled" or "incomplete_expired",
                _ => s.Status == status,
            });
        return Pagination.Page(rows, p, "/v1/subscriptions");
    }

    private object ListItems(ApiRequest req)
    {
        var subscription = state.Subscriptions.GetParam(req.Params.RequiredString("subscription"), "subscription");
        return Pagination.Page(Enumerable.Reverse(subscription.ItemList), req.Params, $"/v1/subscription_items?subscription={subscription.Id}");
    }

    private Price RecurringPrice(string id, string param)
    {
        var price = state.Prices.GetParam(id, param);
        if (price.Recurring is null)
        {
            throw StripeApiException.Invalid($"The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", param);
        }
        if (!price.Active)
        {
            throw StripeApiException.Invalid($"The price specified is inactive. This field only accepts active prices.", param);
        }
        return price;
    }

    private static void RequireCompatible(List<Price> prices)
    {
        var first = prices[0];
        if (prices.Any(x => x.Currency != first.Currency))
        {
            throw StripeApiException.Invalid("All prices on a subscription must have the same currency.", "items");
        }
        if (prices.Any(x => x.Recurring!.Interval != first.Recurring!.Interval || x.Recurring.IntervalCount != first.Recurring.IntervalCount))
        {
            throw StripeApiException.Invalid("All prices on a subscription must have the same recurring interval.", "items");
        }
    }
}
