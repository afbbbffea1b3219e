using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.PaymentMethods;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using global::Stripe;

namespace Cic.Billing.Invoices;

/// <summary>
/// Retrying an open invoice's payment on request: the database work and the Stripe calls of a retry, in the order
/// that keeps no transaction open across Stripe. The attempt is recorded and committed first (so it is on file
/// whatever happens next), then Stripe is asked, then the outcome is recorded; the invoice is re-read from Stripe
/// before (to decide on its current state) and after (for the events a payment causes).
/// </summary>
public sealed partial class PaymentRetries(
    BillingDb db, InvoiceSync invoices, CardSync cards, StripeClient stripe, TimeProvider time, ILogger<PaymentRetries> log)
{
    /// <summary>How a retry ended.</summary>
    public abstract record Outcome;

    /// <summary>The card asked for is not one of the account's.</summary>
    public sealed record NotACardOfTheAccount : Outcome;

    /// <summary>The invoice is not open (any more): paid, voided… (as Stripe says now).</summary>
    public sealed record NotOpen(Invoice Invoice) : Outcome;

    /// <summary>Stripe was asked: the retry, succeeded or failed (a decline is an ordinary answer), and the invoice after it.</summary>
    public sealed record Tried(PaymentRetry Retry, Invoice Invoice) : Outcome;

    /// <summary>
    /// Charges <paramref name="invoiceId"/> of <paramref name="account"/> now, with <paramref name="paymentMethodId"/>
    /// or the account's default card, on behalf of <paramref name="user"/> (recorded as the account's action).
    /// The caller has checked that the user may manage the account.
    /// </summary>
    public async Task<Outcome> RetryAsync(
        BillingAccount account, string invoiceId, string? paymentMethodId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (paymentMethodId is not null && await cards.ActiveCardAsync(account, paymentMethodId, cancellationToken) is null)
        {
            return new NotACardOfTheAccount();
        }

        // Decide on Stripe's current state, not on a projection a webhook may not have caught up with yet.
        await invoices.SyncAsync(invoiceId, cancellationToken);
        var invoice = await db.Invoices.AsNoTracking().FirstAsync(i => i.Id == invoiceId, cancellationToken);
        if (invoice.Status != "open")
        {
            return new NotOpen(invoice);
        }

        // Recorded before Stripe is asked, so the attempt is on file whatever happens next.
        var retry = new PaymentRetry
        {
            Id = Guid.NewGuid(),
            InvoiceId = invoiceId,
            PaymentMethodId = paymentMethodId ?? account.DefaultPaymentMethodId,
            RequestedBy = user.UserId(),
            RequestedByStaff = user.IsStaff(),
            RequestedAt = time.GetUtcNow(),
            Outcome = "pending",
        };
        db.PaymentRetries.Add(retry);
        db.RecordAction(account.Id, "payment_retried", invoiceId, user, retry.RequestedAt);
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            await stripe.V1.Invoices.PayAsync(
                invoiceId,
                new InvoicePayOptions { OffSession = true, PaymentMethod = paymentMethodId },
                new RequestOptions { IdempotencyKey = $"cic-invoice-retry-{retry.Id:N}" },
                cancellationToken);
            retry.Outcome = "succeeded";
        }
        catch (StripeException e) when (e.StripeError is { } error && (int)e.HttpStatusCode is >= 400 and < 500)
        {
            // A decline (402), or Stripe refusing the attempt (e.g. no card to charge): the retry failed.
            retry.Outcome = "failed";
            retry.FailureCode = error.DeclineCode ?? error.Code;
            retry.FailureMessage = error.Message;
        }

        retry.CompletedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            // The events (paid, retry succeeded or failed) come from the sync, as for any other change.
            await invoices.SyncAsync(invoiceId, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The outcome stands; the webhooks or the reconciliation bring the invoice up to date.
            LogSyncAfterRetryFailed(e, invoiceId);
        }

        invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).FirstAsync(i => i.Id == invoiceId, cancellationToken);
        return new Tried(retry, invoice);
    }

    [LoggerMessage(LogLevel.Warning, "Re-reading invoice {InvoiceId} after a payment retry failed; webhooks and the reconciliation will bring it up to date")]
    private partial void LogSyncAfterRetryFailed(Exception e, string invoiceId);
}
