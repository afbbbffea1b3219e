using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Customers;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.PaymentMethods;

/// <summary><c>/v1/payment_methods</c> and <c>/v1/customers/{id}/payment_methods</c>.</summary>
internal sealed class PaymentMethodsEndpoints(EmulatorState state, PaymentMethodService paymentMethods, EventPublisher events) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Get("/v1/payment_methods/{id}", req => paymentMethods.Resolve(req.Route("id"), "id", null));
        router.Post("/v1/payment_methods/{id}", Update);
        router.Post("/v1/payment_methods/{id}/attach", Attach);
        router.Post("/v1/payment_methods/{id}/detach", Detach);
        router.Get("/v1/payment_methods", List);
        router.Get("/v1/customers/{customer}/payment_methods", ListForCustomer);
        router.Get("/v1/customers/{customer}/payment_methods/{id}", RetrieveForCustomer);
    }

    private object Update(ApiRequest req)
    {
        var pm = state.PaymentMethods.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("metadata", "billing_details", "card", "allow_redisplay");
        var before = events.Snapshot(pm);
        p.ApplyMap("metadata", pm.Metadata);
        if (p.Has("billing_details[name]"))
        {
            pm.BillingDetails.Name = p.String("billing_details[name]");
        }
        if (p.Has("billing_details[email]"))
        {
            pm.BillingDetails.Email = p.String("billing_details[email]");
        }
        if (p.Has("billing_details[phone]"))
        {
            pm.BillingDetails.Phone = p.String("billing_details[phone]");
        }
        if (p.Long("card[exp_month]") is { } month)
        {
            pm.Card.ExpMonth = month is >= 1 and <= 12 ? month : throw StripeApiException.Invalid("Invalid exp_month", "card[exp_month]", "invalid_expiry_month");
        }
        if (p.Long("card[exp_year]") is { } year)
        {
            pm.Card.ExpYear = year;
        }
        events.PublishChanges("payment_method.updated", pm, before);
        return pm;
    }

    private object Attach(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("customer");
        var customer = CustomersEndpoints.Live(state, p.RequiredString("customer"), "customer");
        var pm = paymentMethods.Resolve(req.Route("id"), "id", customer.Id);
        paymentMethods.Attach(pm, customer);
        return pm;
    }

    private object Detach(ApiRequest req)
    {
        req.Params.Accept();
        var pm = state.PaymentMethods.Get(req.Route("id"));
        paymentMethods.Detach(pm);
        return pm;
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var customer = p.String("customer");
        var type = p.String("type");
        if (customer is not null)
        {
            CustomersEndpoints.Live(state, customer, "customer");
        }
        var rows = state.PaymentMethods.All.Where(pm =>
            (customer is null ? pm.Customer is not null : pm.Customer == customer) && (type is null || pm.Type == type));
        return Pagination.Page(rows, p, "/v1/payment_methods");
    }

    private object ListForCustomer(ApiRequest req)
    {
        var customer = CustomersEndpoints.Live(state, req.Route("customer"), "customer");
        var type = req.Params.String("type");
        var rows = state.PaymentMethods.All.Where(pm => pm.Customer == customer.Id && (type is null || pm.Type == type));
        return Pagination.Page(rows, req.Params, $"/v1/customers/{customer.Id}/payment_methods");
    }

    private object RetrieveForCustomer(ApiRequest req)
    {
        var customer = CustomersEndpoints.Live(state, req.Route("customer"), "customer");
        var pm = state.PaymentMethods.Get(req.Route("id"));
        return pm.Customer == customer.Id ? pm : throw StripeApiException.Missing("payment_method", pm.Id);
    }
}
