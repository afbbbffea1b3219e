using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Payments;

/// <summary>
/// Read access to the PaymentIntents and Charges behind invoice payments, and <c>/v1/refunds</c>.
/// (A refund on its own does not change the invoice, as on Stripe; a credit note with <c>refund_amount</c> does.)
/// </summary>
internal sealed class PaymentsEndpoints(EmulatorState state, PaymentProcessor processor) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Get("/v1/payment_intents/{id}", req => state.PaymentIntents.Get(req.Route("id")));
        router.Get("/v1/payment_intents", req => List(state.PaymentIntents.All, req, "/v1/payment_intents", pi => pi.Customer));
        router.Get("/v1/charges/{id}", req => state.Charges.Get(req.Route("id")));
        router.Get("/v1/charges", req => List(state.Charges.All, req, "/v1/charges", c => c.Customer));
        router.Post("/v1/refunds", CreateRefund);
        router.Get("/v1/refunds/{id}", req => state.Refunds.Get(req.Route("id")));
        router.Get("/v1/refunds", ListRefunds);
        router.Get("/v1/invoice_payments/{id}", req => state.InvoicePayments.Get(req.Route("id")));
        router.Get("/v1/invoice_payments", ListInvoicePayments);
    }

    private static ListObject<T> List<T>(IEnumerable<T> rows, ApiRequest req, string url, Func<T, string?> customerOf)
        where T : StripeObject
    {
        var customer = req.Params.String("customer");
        return Pagination.Page(rows.Where(r => customer is null || customerOf(r) == customer), req.Params, url);
    }

    private object CreateRefund(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("charge", "payment_intent", "amount", "reason", "metadata");
        var charge = (p.String("charge"), p.String("payment_intent")) switch
        {
            ({ } chargeId, null) => state.Charges.GetParam(chargeId, "charge"),
            (null, { } intentId) => state.Charges.Find(state.PaymentIntents.GetParam(intentId, "payment_intent").LatestCharge)
                ?? throw StripeApiException.InvalidState($"PaymentIntent {intentId} has no successful charge to refund.", "charge_not_refundable"),
            (null, null) => throw StripeApiException.RequiredParameter("charge"),
            _ => throw StripeApiException.Invalid("You may only specify one of these parameters: charge, payment_intent.", "charge"),
        };
        var reason = p.OneOf("reason", "duplicate", "fraudulent", "requested_by_customer");
        var refund = processor.Refund(charge, p.Long("amount") ?? charge.Amount - charge.AmountRefunded, reason, state.NowForCustomer(charge.Customer));
        p.ApplyMap("metadata", refund.Metadata);
        return refund;
    }

    private object ListRefunds(ApiRequest req)
    {
        var p = req.Params;
        var charge = p.String("charge");
        var intent = p.String("payment_intent");
        var rows = state.Refunds.All.Where(r => (charge is null || r.Charge == charge) && (intent is null || r.PaymentIntent == intent));
        return Pagination.Page(rows, p, "/v1/refunds");
    }

    private object ListInvoicePayments(ApiRequest req)
    {
        var p = req.Params;
        var invoice = p.String("invoice");
        var status = p.String("status");
        var rows = state.InvoicePayments.All.Where(ip => (invoice is null || ip.Invoice == invoice) && (status is null || ip.Status == status));
        return Pagination.Page(rows, p, "/v1/invoice_payments");
    }
}
