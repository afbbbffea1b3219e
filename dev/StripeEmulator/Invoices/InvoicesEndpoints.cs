using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;

namespace Cic.StripeEmulator.Invoices;

/// <summary><c>/v1/invoices</c>: read, list, lines, and the lifecycle actions (finalize, pay, void, mark_uncollectible).</summary>
internal sealed class InvoicesEndpoints(
    EmulatorState state,
    EventPublisher events,
    InvoiceService invoices,
    SubscriptionService subscriptions,
    PaymentMethodService paymentMethods) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/invoices/create_preview", CreatePreview);
        router.Get("/v1/invoices/{id}", req => state.Invoices.Get(req.Route("id")));
        router.Post("/v1/invoices/{id}", Update);
        router.Delete("/v1/invoices/{id}", Delete);
        router.Get("/v1/invoices", List);
        router.Get("/v1/invoices/{id}/lines", Lines);
        router.Post("/v1/invoices/{id}/finalize", Finalize);
        router.Post("/v1/invoices/{id}/pay", Pay);
        router.Post("/v1/invoices/{id}/void", Void);
        router.Post("/v1/invoices/{id}/mark_uncollectible", MarkUncollectible);
        router.Post("/v1/invoices/{id}/send", Send);
    }

    /// <summary>
    /// The invoice a subscription's current period will end with (<c>subscription</c>, or the <c>customer</c>'s live
    /// subscription): the usage recorded so far at each item's price now. Not stored, not payable, not listed.
    /// </summary>
    private object CreatePreview(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("customer", "subscription", "preview_mode");
        p.OneOf("preview_mode", "next", "recurring");
        var customerId = p.String("customer");
        var subscriptionId = p.String("subscription");
        if (customerId is null && subscriptionId is null)
        {
            throw StripeApiException.Invalid("You must specify one of `customer`, `customer_details`, `subscription`, or `schedule` to preview an invoice.", "customer");
        }
        var customer = customerId is null ? null : state.Customers.GetParam(customerId, "customer");
        Subscription? subscription;
        if (subscriptionId is not null)
        {
            subscription = state.Subscriptions.GetParam(subscriptionId, "subscription");
            if (customer is not null && subscription.Customer != customer.Id)
            {
                throw StripeApiException.Invalid($"The subscription {subscription.Id} does not belong to customer {customer.Id}.", "subscription");
            }
        }
        else
        {
            subscription = state.Subscriptions.All.Where(s => s.Customer == customer!.Id && s.IsLive).OrderBy(s => s.Created).FirstOrDefault();
        }
        if (subscription is not { IsLive: true } || subscription.ItemList.Count == 0)
        {
            throw StripeApiException.Invalid(
                $"No upcoming invoices for customer: {customer?.Id ?? subscription?.Customer}", subscriptionId is null ? "customer" : "subscription", "invoice_upcoming_none");
        }
        return subscriptions.PreviewRenewal(subscription);
    }

    private object Update(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("metadata", "description", "auto_advance", "default_payment_method");
        var before = events.Snapshot(invoice);
        if (p.Has("description"))
        {
            invoice.Description = p.String("description");
        }
        if (p.Bool("auto_advance") is { } autoAdvance)
        {
            invoice.AutoAdvance = autoAdvance;
        }
        if (p.IsCleared("default_payment_method"))
        {
            invoice.DefaultPaymentMethod = null;
        }
        else if (p.String("default_payment_method") is { } pmId)
        {
            invoice.DefaultPaymentMethod = paymentMethods.RequireAttached(pmId, state.Customers.Get(invoice.Customer), "default_payment_method").Id;
        }
        p.ApplyMap("metadata", invoice.Metadata);
        events.PublishChanges("invoice.updated", invoice, before);
        return invoice;
    }

    private object Delete(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        if (invoice.Status != "draft")
        {
            throw StripeApiException.InvalidState("You can only delete draft invoices.", "invoice_not_editable");
        }
        state.Invoices.Remove(invoice.Id);
        events.Publish("invoice.deleted", invoice);
        return new { id = invoice.Id, @object = "invoice", deleted = true };
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var customer = p.String("customer");
        var status = p.OneOf("status", "draft", "open", "paid", "uncollectible", "void");
        var subscription = p.String("subscription");
        var collection = p.OneOf("collection_method", "charge_automatically", "send_invoice");
        var created = p.Range("created");
        var dueDate = p.Range("due_date");
        var rows = state.Invoices.All.Where(i =>
            (customer is null || i.Customer == customer) &&
            (status is null || i.Status == status) &&
            (subscription is null || i.SubscriptionId == subscription) &&
            (collection is null || i.CollectionMethod == collection) &&
            created(i.Created) &&
            (!p.Has("due_date") || (i.DueDate is { } due && dueDate(due))));
        return Pagination.Page(rows, p, "/v1/invoices");
    }

    private object Lines(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        return Pagination.Page(invoice.LineList, req.Params, $"/v1/invoices/{invoice.Id}/lines", line => line.Id);
    }

    private object Finalize(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("auto_advance");
        var now = state.NowFor(invoice.TestClock);
        if (p.Bool("auto_advance") is { } autoAdvance)
        {
            invoice.AutoAdvance = autoAdvance;
        }
        invoices.Finalize(invoice, now);
        // With auto_advance Stripe goes on to collect right away; without, the invoice waits open for /pay.
        if (invoice.Status == "open" && invoice.AutoAdvance && invoice.CollectionMethod == "charge_automatically")
        {
            invoices.Attempt(invoice, explicitMethod: null, automatic: true, now);
        }
        return invoice;
    }

    private object Pay(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("payment_method", "off_session", "paid_out_of_band", "forgive", "source", "mandate");
        var now = state.NowFor(invoice.TestClock);
        if (invoice.Status is "paid")
        {
            throw StripeApiException.InvalidState("Invoice is already paid", "invoice_already_paid");
        }
        if (invoice.Status is "void")
        {
            throw StripeApiException.InvalidState("This invoice has been voided and can no longer be paid.", "invoice_not_open");
        }
        if (invoice.Status == "draft")
        {
            invoices.Finalize(invoice, now);
            if (invoice.Status == "paid")
            {
                return invoice;
            }
        }
        if (p.Bool("paid_out_of_band") == true)
        {
            invoices.MarkPaid(invoice, now);
            return invoice;
        }

        var customer = state.Customers.Get(invoice.Customer);
        PaymentMethod? pm = null;
        if (p.String("payment_method") is { } pmId)
        {
            pm = paymentMethods.Resolve(pmId, "payment_method", customer.Id);
            paymentMethods.Attach(pm, customer);
        }
        if ((pm ?? invoices.DefaultPaymentMethod(invoice)) is null)
        {
            throw StripeApiException.InvalidState(
                "This invoice cannot be paid because the customer has no default payment method. Pass payment_method or set invoice_settings.default_payment_method.",
                "invoice_no_customer_payment_method");
        }
        if (invoices.Attempt(invoice, pm, automatic: false, now) is { } failure)
        {
            throw PaymentProcessor.Decline(failure)
                .Attach("payment_intent", state.PaymentIntents.Find(invoice.PaymentIntentId) is { } intent ? events.Snapshot(intent) : null);
        }
        return invoice;
    }

    private object Void(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        req.Params.Accept();
        invoices.Void(invoice, state.NowFor(invoice.TestClock));
        return invoice;
    }

    private object MarkUncollectible(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        req.Params.Accept();
        invoices.MarkUncollectible(invoice, "user_forgiven", state.NowFor(invoice.TestClock));
        return invoice;
    }

    private object Send(ApiRequest req)
    {
        var invoice = state.Invoices.Get(req.Route("id"));
        req.Params.Accept();
        if (invoice.Status != "open")
        {
            throw StripeApiException.InvalidState("You can only send open invoices.", "invoice_not_open");
        }
        events.Publish("invoice.sent", invoice);
        return invoice;
    }
}
