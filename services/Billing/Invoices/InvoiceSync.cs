using System.Net;
using Cic.Billing.BillingAccounts;
using Cic.Contracts.Billing;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using global::Stripe;
using StripeInvoice = global::Stripe.Invoice;

namespace Cic.Billing.Invoices;

/// <summary>
/// The one way invoices are learned — after a webhook, a retry made through the API, or the
/// reconciliation — and the one place their events are decided. Each sync re-reads the invoice from
/// Stripe while holding a lock on its id (in no transaction), then compares Stripe's state with the stored
/// row and writes the projection and the events the difference calls for in one short transaction. The
/// row remembers what was announced, so duplicated, late or reordered webhooks and concurrent syncs
/// announce each thing once.
/// </summary>
public sealed partial class InvoiceSync(BillingDb db, NpgsqlDataSource dataSource, StripeClient stripe, TimeProvider time, ILogger<InvoiceSync> log)
{
    /// <summary>The payments and their PaymentIntents, whose <c>last_payment_error</c> says why the latest charge failed.</summary>
    private static readonly List<string> Expand = ["payments", "payments.data.payment.payment_intent"];

    /// <summary>Re-reads one invoice from Stripe, then records it and what it calls for in one short transaction.</summary>
    public async Task SyncAsync(string invoiceId, CancellationToken cancellationToken)
    {
        // Held on a connection of its own, in no transaction, while Stripe is read and until the result is committed:
        // a second sync of the invoice reads Stripe only after this one recorded, so it never overwrites a newer state
        // with an older one nor announces anything twice.
        await using var held = await dataSource.HoldAsync("cic-invoice:" + invoiceId, cancellationToken);
        var read = await ReadAsync(invoiceId, cancellationToken);
        await db.InTransactionAsync(async () =>
        {
            await RecordAsync(invoiceId, read, cancellationToken);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Syncs every invoice of the customer Stripe lists, skipping settled ones that have not changed, and
    /// drafts Stripe no longer has. What repairs missed webhooks and shows refunds and credits made in Stripe.
    /// </summary>
    public async Task SyncCustomerAsync(string stripeCustomerId, CancellationToken cancellationToken)
    {
        if (!await db.BillingAccounts.AnyAsync(a => a.StripeCustomerId == stripeCustomerId, cancellationToken))
        {
            return;
        }

        var stored = await db.Invoices.AsNoTracking()
            .Where(i => i.StripeCustomerId == stripeCustomerId)
            .ToDictionaryAsync(i => i.Id, cancellationToken);
        var listed = new HashSet<string>();
        await foreach (var invoice in stripe.V1.Invoices.ListAutoPagingAsync(
            new InvoiceListOptions { Customer = stripeCustomerId, Limit = 100 }, cancellationToken: cancellationToken))
        {
            listed.Add(invoice.Id);
            if (!stored.TryGetValue(invoice.Id, out var known) || !IsSettledAndUnchanged(known, invoice))
            {
                await SyncAsync(invoice.Id, cancellationToken);
            }
        }

        foreach (var gone in stored.Values.Where(i => i.Status == "draft" && !listed.Contains(i.Id)))
        {
            await SyncAsync(gone.Id, cancellationToken);
        }
    }

    /// <summary>What Stripe says of an invoice, read before any transaction opens; null <see cref="Remote"/> when Stripe has no such invoice.</summary>
    private sealed record InvoiceRead(
        StripeInvoice? Remote, BillingAccount? Account, IReadOnlyList<InvoiceLineItem> Lines,
        List<(string? Id, PaymentIntent? Intent)> Intents, List<Charge> FailedCharges, DateTimeOffset StripeNow);

    private async Task<InvoiceRead> ReadAsync(string invoiceId, CancellationToken cancellationToken)
    {
        StripeInvoice remote;
        try
        {
            remote = await stripe.V1.Invoices.GetAsync(invoiceId, new InvoiceGetOptions { Expand = [.. Expand] }, cancellationToken: cancellationToken);
        }
        catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return new InvoiceRead(null, null, [], [], [], time.GetUtcNow());
        }

        var account = await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.StripeCustomerId == remote.CustomerId, cancellationToken);
        if (account is null)
        {
            return new InvoiceRead(remote, null, [], [], [], time.GetUtcNow());
        }

        var lines = remote.Lines is { HasMore: true }
            ? await AllLinesAsync(invoiceId, cancellationToken)
            : remote.Lines?.Data ?? [];
        var intents = (remote.Payments?.Data ?? [])
            .Select(p => (Id: p.Payment?.PaymentIntentId, Intent: p.Payment?.PaymentIntent))
            .Where(p => p.Id is not null)
            .ToList();
        var failedCharges = remote.AttemptCount > 0
            ? await FailedChargesAsync(remote.CustomerId, intents.Select(p => p.Id!), cancellationToken)
            : [];
        return new InvoiceRead(remote, account, lines, intents, failedCharges, await StripeNowAsync(remote, cancellationToken));
    }

    /// <summary>Records what <paramref name="read"/> says of the invoice and announces what changed; the caller saves.</summary>
    private async Task RecordAsync(string invoiceId, InvoiceRead read, CancellationToken cancellationToken)
    {
        ForgetTracked(invoiceId);
        var stored = await db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        if (read.Remote is not { } remote)
        {
            // Only drafts can be deleted in Stripe; a deleted draft is gone for good.
            if (stored is { Status: "draft" })
            {
                db.Invoices.Remove(stored);
            }

            return;
        }

        if (read.Account is not { } account)
        {
            LogNotOurs(invoiceId, remote.CustomerId);
            return;
        }

        var now = time.GetUtcNow();
        var invoice = stored;
        if (invoice is null)
        {
            invoice = new Invoice { Id = remote.Id, StripeCustomerId = remote.CustomerId, Status = remote.Status, Currency = remote.Currency };
            db.Invoices.Add(invoice);
        }

        Copy(remote, invoice, account, now);
        CopyLines(read.Lines, invoice);
        var latestFailure = read.FailedCharges.OrderByDescending(c => c.Created).FirstOrDefault();
        // The decline code Stripe keeps on the PaymentIntent while its latest charge stands failed; the failed
        // charge's own reason once a later charge succeeded (Stripe then clears last_payment_error).
        invoice.LastPaymentError = Truncate(
            read.Intents.Select(p => p.Intent?.LastPaymentError).FirstOrDefault(e => e is not null) is { } error ? error.DeclineCode ?? error.Code
            : latestFailure is not null ? latestFailure.Outcome?.Reason ?? latestFailure.FailureCode
            : null,
            100) ?? invoice.LastPaymentError;

        // Attempts that failed: every failed charge (manual attempts after the first do not move Stripe's
        // attempt_count), or attempt_count where attempts ran without a charge (no card to charge).
        var failedAttempts = Math.Max(read.FailedCharges.Count, (int)remote.AttemptCount - (remote.Status == "paid" ? 1 : 0));
        Announce(invoice, account, failedAttempts, latestFailure is null ? null : Utc(latestFailure.Created), read.StripeNow, now);
    }

    /// <summary>
    /// Publishes what changed, comparing what the row says was announced with the invoice's state now.
    /// The rules, in docs/billing.md ("Invoices"): issued once when first seen finalized with something to bill;
    /// past due once; a failed retry for each sync that finds more failed attempts than announced (the first
    /// failure is the past-due notice); paid once, with "retry succeeded" when attempts had failed before.
    /// </summary>
    private void Announce(Invoice invoice, BillingAccount account, int failedAttempts, DateTimeOffset? lastFailureAt, DateTimeOffset stripeNow, DateTimeOffset now)
    {
        var number = invoice.Number ?? invoice.Id;
        if (invoice.IssuedReportedAt is null && invoice.IsIssued && invoice.Total > 0)
        {
            invoice.IssuedReportedAt = now;
            db.AddIntegrationEvent(new InvoiceIssued(
                Guid.NewGuid(), invoice.FinalizedAt ?? now, account.Kind, account.Id, invoice.Id, number,
                invoice.PeriodStart, invoice.PeriodEnd, invoice.AmountDue, invoice.Currency, invoice.DueDate, invoice.HostedInvoiceUrl));
        }

        var becamePastDue = false;
        if (invoice.PastDueReportedAt is null && invoice.IsPastDueAt(stripeNow))
        {
            invoice.PastDueReportedAt = now;
            becamePastDue = true;
            db.AddIntegrationEvent(new InvoicePastDue(
                Guid.NewGuid(), now, account.Kind, account.Id, invoice.Id, number,
                invoice.AmountRemaining, invoice.Currency, invoice.NextPaymentAttempt, invoice.HostedInvoiceUrl));
        }

        if (invoice.Status is "open" or "uncollectible" && failedAttempts > invoice.ReportedAttemptCount)
        {
            // The first failure is what makes the invoice past due; that notice already says so.
            if (failedAttempts > 1 && !becamePastDue)
            {
                db.AddIntegrationEvent(new PaymentRetryFailed(
                    Guid.NewGuid(), lastFailureAt ?? now, account.Kind, account.Id, invoice.Id, number,
                    invoice.AmountRemaining, invoice.Currency, failedAttempts, invoice.NextPaymentAttempt,
                    invoice.LastPaymentError, invoice.HostedInvoiceUrl));
            }

            invoice.ReportedAttemptCount = failedAttempts;
        }

        // An invoice settled without money (nothing billed, or credited in full) is not announced as paid.
        if (invoice.Status == "paid" && invoice.PaidReportedAt is null && invoice.AmountPaid > 0)
        {
            invoice.PaidReportedAt = now;
            var paidAt = invoice.PaidAt ?? now;
            db.AddIntegrationEvent(new InvoicePaid(
                Guid.NewGuid(), paidAt, account.Kind, account.Id, invoice.Id, number, invoice.AmountPaid, invoice.Currency));
            if (failedAttempts > 0)
            {
                db.AddIntegrationEvent(new PaymentRetrySucceeded(
                    Guid.NewGuid(), paidAt, account.Kind, account.Id, invoice.Id, number, invoice.AmountPaid, invoice.Currency,
                    AttemptCount: failedAttempts + 1));
            }

            invoice.ReportedAttemptCount = failedAttempts;
        }
    }

    private static void Copy(StripeInvoice remote, Invoice invoice, BillingAccount account, DateTimeOffset now)
    {
        invoice.AccountId = account.Id;
        invoice.StripeCustomerId = remote.CustomerId;
        invoice.SubscriptionId = remote.Parent?.SubscriptionDetails?.SubscriptionId;
        invoice.Number = remote.Number;
        invoice.Status = remote.Status;
        invoice.BillingReason = remote.BillingReason;
        invoice.Currency = remote.Currency;
        invoice.AmountDue = remote.AmountDue;
        invoice.AmountPaid = remote.AmountPaid;
        invoice.AmountRemaining = remote.AmountRemaining;
        invoice.Subtotal = remote.Subtotal;
        invoice.Total = remote.Total;
        invoice.PrePaymentCreditNotesAmount = remote.PrePaymentCreditNotesAmount;
        invoice.PostPaymentCreditNotesAmount = remote.PostPaymentCreditNotesAmount;
        invoice.PeriodStart = Utc(remote.PeriodStart);
        invoice.PeriodEnd = Utc(remote.PeriodEnd);
        invoice.DueDate = Utc(remote.DueDate);
        invoice.AttemptCount = (int)remote.AttemptCount;
        invoice.NextPaymentAttempt = Utc(remote.NextPaymentAttempt);
        invoice.HostedInvoiceUrl = remote.HostedInvoiceUrl;
        invoice.InvoicePdf = remote.InvoicePdf;
        invoice.CreatedAt = Utc(remote.Created);
        invoice.FinalizedAt = Utc(remote.StatusTransitions?.FinalizedAt);
        invoice.PaidAt = Utc(remote.StatusTransitions?.PaidAt);
        invoice.SyncedAt = now;
    }

    private static void CopyLines(IEnumerable<InvoiceLineItem> lines, Invoice invoice)
    {
        var known = invoice.Lines.ToDictionary(l => l.Id);
        var seen = new HashSet<string>();
        foreach (var remote in lines)
        {
            seen.Add(remote.Id);
            if (!known.TryGetValue(remote.Id, out var line))
            {
                line = new InvoiceLine { InvoiceId = invoice.Id, Id = remote.Id, Currency = remote.Currency };
                invoice.Lines.Add(line);
            }

            line.Description = remote.Description;
            line.Quantity = remote.Quantity;
            line.Amount = remote.Amount;
            line.Currency = remote.Currency;
            line.PriceId = remote.Pricing?.PriceDetails?.PriceId;
            line.PeriodStart = Utc(remote.Period.Start);
            line.PeriodEnd = Utc(remote.Period.End);
        }

        invoice.Lines.RemoveAll(l => !seen.Contains(l.Id));
    }

    private async Task<List<InvoiceLineItem>> AllLinesAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var lines = new List<InvoiceLineItem>();
        await foreach (var line in stripe.V1.Invoices.LineItems.ListAutoPagingAsync(
            invoiceId, new InvoiceLineItemListOptions { Limit = 100 }, cancellationToken: cancellationToken))
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The failed charges of the invoice's PaymentIntents: one per attempt that reached the card.</summary>
    private async Task<List<Charge>> FailedChargesAsync(string customerId, IEnumerable<string> intentIds, CancellationToken cancellationToken)
    {
        var failed = new List<Charge>();
        foreach (var intentId in intentIds.Distinct())
        {
            await foreach (var charge in stripe.V1.Charges.ListAutoPagingAsync(
                new ChargeListOptions { Customer = customerId, PaymentIntent = intentId, Limit = 100 }, cancellationToken: cancellationToken))
            {
                if (charge.PaymentIntentId == intentId && charge.Status == "failed")
                {
                    failed.Add(charge);
                }
            }
        }

        return failed;
    }

    /// <summary>"Now" for the invoice's due date: its test clock's time when it lives on one.</summary>
    private async Task<DateTimeOffset> StripeNowAsync(StripeInvoice remote, CancellationToken cancellationToken)
    {
        if (remote.DueDate is null || remote.TestClockId is null)
        {
            return time.GetUtcNow();
        }

        var clock = await stripe.V1.TestHelpers.TestClocks.GetAsync(remote.TestClockId, cancellationToken: cancellationToken);
        return Utc(clock.FrozenTime);
    }

    /// <summary>A settled invoice whose money fields are as stored needs no re-read (and cannot call for an event).</summary>
    private static bool IsSettledAndUnchanged(Invoice known, StripeInvoice listed) =>
        known.Status is not ("draft" or "open")
        && known.Status == listed.Status
        && known.Number == listed.Number
        && known.AmountDue == listed.AmountDue
        && known.AmountPaid == listed.AmountPaid
        && known.AmountRemaining == listed.AmountRemaining
        && known.PrePaymentCreditNotesAmount == listed.PrePaymentCreditNotesAmount
        && known.PostPaymentCreditNotesAmount == listed.PostPaymentCreditNotesAmount
        && known.AttemptCount == listed.AttemptCount;

    /// <summary>A sync always starts from the stored row, never from an entity an earlier step of the request loaded.</summary>
    private void ForgetTracked(string invoiceId)
    {
        foreach (var entry in db.ChangeTracker.Entries()
            .Where(e => e.Entity is Invoice i && i.Id == invoiceId || e.Entity is InvoiceLine l && l.InvoiceId == invoiceId)
            .ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

    [LoggerMessage(LogLevel.Debug, "Ignored invoice {InvoiceId}: its customer {Customer} is not one of the platform's billing accounts")]
    private partial void LogNotOurs(string invoiceId, string customer);
}
