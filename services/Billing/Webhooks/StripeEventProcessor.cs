using Cic.Billing.Invoices;
using Cic.Billing.PaymentMethods;
using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Billing.Webhooks;

/// <summary>Wakes the processor as soon as a webhook was stored.</summary>
public sealed class StripeEventWakeup : Wakeup;

/// <summary>
/// Processes stored Stripe events, each leased to one instance (so instances share the work and never process
/// one at the same time) and processed with no transaction open, by re-reading from Stripe the object it names;
/// the syncs record what they read in short transactions of their own. A failure leaves the event for a later
/// attempt, with backoff; one that can never succeed is given up and kept with its reason for staff.
/// </summary>
public sealed partial class StripeEventProcessor(
    IServiceScopeFactory scopes, StripeEventWakeup wakeup, IOptions<WebhookOptions> options, TimeProvider time, ILogger<StripeEventProcessor> log)
    : IBackgroundWork
{
    public TimeSpan PollInterval => options.Value.PollInterval;

    public Wakeup Wakeup => wakeup;

    public int Concurrency => options.Value.Workers;

    /// <summary>
    /// How long a processing instance keeps an event to itself: longer than processing takes, a few Stripe calls of at
    /// most 90 s each (see StripeSetup). An instance that dies leaves its event due again after this.
    /// </summary>
    internal static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>Processes the next due event: leased to this instance, processed with no transaction open, then marked.</summary>
    /// <returns>False when no event was due.</returns>
    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BillingDb>();
        var now = time.GetUtcNow();
        var leased = await db.LeaseAsync<StripeEvent>(
            "processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @due_by", "next_attempt_at", 1, now, now + Lease, cancellationToken);
        if (leased is not [var stripeEvent])
        {
            return false;
        }

        try
        {
            await ApplyAsync(scope.ServiceProvider, stripeEvent, cancellationToken);
            stripeEvent.Attempts++;
            stripeEvent.ProcessedAt = time.GetUtcNow();
            stripeEvent.LastError = null;
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            db.ChangeTracker.Clear(); // what the failed attempt left unsaved is not recorded
            var attempts = stripeEvent.Attempts + 1;
            var error = DueRows.Error(e.Message);
            if (CanNeverSucceed(e))
            {
                LogEventFailedForGood(e, stripeEvent.Id, stripeEvent.Type, attempts);
                await db.StripeEvents.Where(x => x.Id == stripeEvent.Id && x.ProcessedAt == null).ExecuteUpdateAsync(x => x
                    .SetProperty(p => p.Attempts, attempts)
                    .SetProperty(p => p.FailedAt, time.GetUtcNow())
                    .SetProperty(p => p.LastError, error), CancellationToken.None);
                return true;
            }

            var retryAt = time.GetUtcNow() + ExponentialBackoff.After(attempts, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10));
            LogEventFailed(e, stripeEvent.Id, stripeEvent.Type, attempts, retryAt);
            // Another instance may have processed it meanwhile (after a lease ran out): leave that alone.
            await db.StripeEvents.Where(x => x.Id == stripeEvent.Id && x.ProcessedAt == null).ExecuteUpdateAsync(x => x
                .SetProperty(p => p.Attempts, attempts)
                .SetProperty(p => p.NextAttemptAt, retryAt)
                .SetProperty(p => p.LastError, error), CancellationToken.None);
        }

        return true;
    }

    /// <summary>
    /// Stripe's answer is final: the object does not exist (404, "No such customer") or the request is
    /// refused as it is (400). Rate limits (429), lock conflicts (409), timeouts, 5xx and key trouble
    /// (401/403, fixed by configuration) are worth waiting out.
    /// </summary>
    private static bool CanNeverSucceed(Exception e) =>
        e is global::Stripe.StripeException { HttpStatusCode: System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.BadRequest };

    /// <summary>
    /// What each kind of event asks for. Whatever the event says, the current state is read from
    /// Stripe, so a duplicate or a late, out-of-order event only repeats a sync.
    /// </summary>
    private static async Task ApplyAsync(IServiceProvider services, StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        var type = stripeEvent.Type;
        if (type.StartsWith("setup_intent.", StringComparison.Ordinal) && stripeEvent.ObjectId is { } setupIntentId)
        {
            await services.GetRequiredService<CardSync>().SyncSetupIntentAsync(setupIntentId, cancellationToken);
        }
        else if ((type.StartsWith("invoice.", StringComparison.Ordinal) || type.StartsWith("credit_note.", StringComparison.Ordinal))
            && stripeEvent.ObjectId is { } invoiceId)
        {
            // A credit note's stored object is its invoice (see StripeEventSubject): refunds and credits change it.
            await services.GetRequiredService<InvoiceSync>().SyncAsync(invoiceId, cancellationToken);
        }
        else if ((type.StartsWith("payment_method.", StringComparison.Ordinal) || type.StartsWith("customer.", StringComparison.Ordinal))
            && stripeEvent.CustomerId is { } customerId)
        {
            await services.GetRequiredService<CardSync>().SyncCustomerAsync(customerId, cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Error, "Stripe event {EventId} ({Type}) can never be processed (attempt {Attempt}); kept with the reason, no more attempts")]
    private partial void LogEventFailedForGood(Exception e, string eventId, string type, int attempt);

    [LoggerMessage(LogLevel.Warning, "Stripe event {EventId} ({Type}) failed on attempt {Attempt}; next attempt at {RetryAt}")]
    private partial void LogEventFailed(Exception e, string eventId, string type, int attempt, DateTimeOffset retryAt);
}
