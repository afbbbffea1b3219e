using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.CreditNotes;

/// <summary><c>/v1/credit_notes</c>.</summary>
internal sealed class CreditNotesEndpoints(EmulatorState state, CreditNoteService creditNotes) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/credit_notes", Create);
        router.Get("/v1/credit_notes/{id}", req => state.CreditNotes.Get(req.Route("id")));
        router.Post("/v1/credit_notes/{id}/void", Void);
        router.Get("/v1/credit_notes/{id}/lines", Lines);
        router.Get("/v1/credit_notes", List);
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("invoice", "amount", "lines", "reason", "memo", "refund_amount", "credit_amount", "out_of_band_amount", "metadata", "effective_at", "email_type");
        var invoice = state.Invoices.GetParam(p.RequiredString("invoice"), "invoice");
        var lines = (p.List("lines") ?? []).Select((line, i) => Line(invoice, line, i)).ToList();
        return creditNotes.Issue(invoice, new CreditNoteService.Request(
            p.Long("amount"),
            lines,
            p.OneOf("reason", "duplicate", "fraudulent", "order_change", "product_unsatisfactory"),
            p.String("memo"),
            p.Long("refund_amount"),
            p.Long("credit_amount"),
            p.Long("out_of_band_amount"),
            p.NewMap("metadata")));
    }

    private static CreditNoteLineItem Line(Invoice invoice, ApiParams line, int index)
    {
        var type = line.OneOf("type", "invoice_line_item", "custom_line_item") ?? throw StripeApiException.RequiredParameter($"lines[{index}][type]");
        var quantity = line.Long("quantity");
        if (type == "invoice_line_item")
        {
            var lineId = line.String("invoice_line_item") ?? throw StripeApiException.RequiredParameter($"lines[{index}][invoice_line_item]");
            var invoiceLine = invoice.LineList.FirstOrDefault(l => l.Id == lineId)
                ?? throw StripeApiException.MissingParam("invoice line item", lineId, $"lines[{index}][invoice_line_item]");
            var unit = invoiceLine.QuantityExact == 0 ? 0 : invoiceLine.Amount / invoiceLine.QuantityExact;
            var amount = line.Long("amount") ?? (quantity is { } q ? InvoiceService.RoundMinor(q * unit) : invoiceLine.Amount);
            return new CreditNoteLineItem
            {
                Id = Ids.New("cnli"),
                Type = type,
                InvoiceLineItem = lineId,
                Amount = amount,
                Quantity = quantity,
                Description = invoiceLine.Description,
            };
        }
        var unitAmount = line.Long("unit_amount") ?? throw StripeApiException.RequiredParameter($"lines[{index}][unit_amount]");
        return new CreditNoteLineItem
        {
            Id = Ids.New("cnli"),
            Type = type,
            Amount = unitAmount * (quantity ?? 1),
            Quantity = quantity ?? 1,
            UnitAmount = unitAmount,
            Description = line.String("description"),
        };
    }

    private object Void(ApiRequest req)
    {
        var note = state.CreditNotes.Get(req.Route("id"));
        req.Params.Accept();
        creditNotes.Void(note);
        return note;
    }

    private object Lines(ApiRequest req)
    {
        var note = state.CreditNotes.Get(req.Route("id"));
        return Pagination.Page(note.LineList, req.Params, $"/v1/credit_notes/{note.Id}/lines", line => line.Id);
    }

    private object List(ApiRequest req)
    {
        var p = req.Params;
        var invoice = p.String("invoice");
        var customer = p.String("customer");
        var rows = state.CreditNotes.All.Where(c => (invoice is null || c.Invoice == invoice) && (customer is null || c.Customer == customer));
        return Pagination.Page(rows, p, "/v1/credit_notes");
    }
}
