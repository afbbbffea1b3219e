using System.Globalization;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.Payments;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.CreditNotes;

/// <summary>
/// Credit notes, the way refunds and credits reach an invoice: on an open invoice a note lowers what is due
/// (pre-payment); on a paid one it is refunded to the card, credited to the customer balance, or settled out of band.
/// </summary>
internal sealed class CreditNoteService(EmulatorState state, EventPublisher events, InvoiceService invoices, PaymentProcessor processor)
{
    public sealed record Request(
        long? Amount,
        IReadOnlyList<CreditNoteLineItem> Lines,
        string? Reason,
        string? Memo,
        long? RefundAmount,
        long? CreditAmount,
        long? OutOfBandAmount,
        Dictionary<string, string> Metadata);

    public CreditNote Issue(Invoice invoice, Request request)
    {
        if (invoice.Status is not ("open" or "paid"))
        {
            throw StripeApiException.InvalidState($"Credit notes can only be issued for open or paid invoices; this one is {invoice.Status}.", "invoice_not_open");
        }
        var total = request.Amount ?? request.Lines.Sum(l => l.Amount);
        var alreadyCredited = invoice.PrePaymentCreditNotesAmount + invoice.PostPaymentCreditNotesAmount;
        if (total <= 0 || total > invoice.Total - alreadyCredited)
        {
            throw StripeApiException.Invalid(
                $"The credit note amount ({total}) must be positive and at most the invoice total less earlier credit notes ({invoice.Total - alreadyCredited}).", "amount");
        }
        var now = state.NowFor(invoice.TestClock);
        var invoiceBefore = events.Snapshot(invoice);
        long pre = 0, post = 0, refund = 0, credit = 0, outOfBand = 0;
        if (invoice.Status == "open")
        {
            pre = Math.Min(total, invoice.AmountRemaining);
            post = total - pre;
        }
        else
        {
            post = total;
        }
        if (post > 0)
        {
            refund = request.RefundAmount ?? 0;
            outOfBand = request.OutOfBandAmount ?? 0;
            // Unassigned post-payment credit goes to the customer's balance.
            credit = request.CreditAmount ?? post - refund - outOfBand;
            if (refund + credit + outOfBand != post)
            {
                throw StripeApiException.Invalid(
                    $"refund_amount + credit_amount + out_of_band_amount must equal the post-payment amount ({post}).", "refund_amount");
            }
        }

        var refunds = new List<CreditNoteRefund>();
        if (refund > 0)
        {
            var charge = state.Charges.Find(state.PaymentIntents.Find(invoice.PaymentIntentId)?.LatestCharge)
                ?? throw StripeApiException.InvalidState("This invoice has no charge to refund.", "charge_not_refundable");
            var created = processor.Refund(charge, refund, "requested_by_customer", now);
            refunds.Add(new CreditNoteRefund { Refund = created.Id, AmountRefunded = refund });
        }
        var customer = state.Customers.Get(invoice.Customer);
        if (credit > 0)
        {
            var customerBefore = events.Snapshot(customer);
            customer.Balance -= credit;
            events.PublishChanges("customer.updated", customer, customerBefore);
        }

        var count = state.CreditNotes.All.Count(c => c.Invoice == invoice.Id) + 1;
        var note = state.CreditNotes.Add(new CreditNote
        {
            Id = Ids.New("cn"),
            Amount = total,
            Currency = invoice.Currency,
            Customer = invoice.Customer,
            Invoice = invoice.Id,
            Created = now,
            EffectiveAt = now,
            Memo = request.Memo,
            Reason = request.Reason,
            Metadata = request.Metadata,
            Number = $"{invoice.Number}-CN-{count.ToString("D2", CultureInfo.InvariantCulture)}",
            PrePaymentAmount = pre,
            PostPaymentAmount = post,
            OutOfBandAmount = outOfBand > 0 ? outOfBand : null,
            CreditAmount = credit,
            Refunds = refunds,
        });
        note.LineList.AddRange(request.Lines.Count > 0
            ? request.Lines
            : [new CreditNoteLineItem { Id = Ids.New("cnli"), Amount = total, Description = request.Memo ?? "Credit", Type = "custom_line_item", Quantity = 1, UnitAmount = total }]);

        invoice.PrePaymentCreditNotesAmount += pre;
        invoice.PostPaymentCreditNotesAmount += post;
        invoice.AmountDue -= pre;
        events.Publish("credit_note.created", note);
        events.PublishChanges("invoice.updated", invoice, invoiceBefore);
        if (invoice.Status == "open" && invoice.AmountRemaining == 0)
        {
            invoices.MarkPaid(invoice, now);
        }
        return note;
    }

    public void Void(CreditNote note)
    {
        if (note.Status == "void")
        {
            throw StripeApiException.InvalidState("This credit note is already void.", "credit_note_already_voided");
        }
        if (note.Refunds.Count > 0)
        {
            throw StripeApiException.InvalidState("A credit note with refunds cannot be voided.", "credit_note_has_refunds");
        }
        var invoice = state.Invoices.Get(note.Invoice);
        var before = events.Snapshot(invoice);
        if (invoice.Status == "open")
        {
            invoice.AmountDue += note.PrePaymentAmount;
        }
        invoice.PrePaymentCreditNotesAmount -= note.PrePaymentAmount;
        invoice.PostPaymentCreditNotesAmount -= note.PostPaymentAmount;
        if (note.CreditAmount > 0)
        {
            var customer = state.Customers.Get(note.Customer);
            var customerBefore = events.Snapshot(customer);
            customer.Balance += note.CreditAmount;
            events.PublishChanges("customer.updated", customer, customerBefore);
        }
        note.Status = "void";
        note.VoidedAt = state.NowFor(invoice.TestClock);
        events.Publish("credit_note.voided", note);
        events.PublishChanges("invoice.updated", invoice, before);
    }
}
