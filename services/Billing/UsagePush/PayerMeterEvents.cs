using System.Diagnostics;
using System.Globalization;
using System.Net;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Customers;
using Cic.Billing.Stripe;
using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using global::Stripe;
using global::Stripe.Billing;

namespace Cic.Billing.UsagePush;

/// <summary>
/// Sends one billing account's due pushes to Stripe as meter events, one call at a time: Stripe allows
/// one concurrent meter-event call per customer and meter, so the account is held under a PostgreSQL
/// advisory lock, which also keeps a second instance of the service off it. Each push goes with its
/// deterministic identifier, so a push sent again after a timeout or a crash is recorded once.
/// </summary>
public sealed partial class PayerMeterEvents(
    BillingDb db,
    NpgsqlDataSource dataSource,
    StripeCustomers customers,
    StripeClient stripe,
    IOptions<StripeOptions> stripeOptions,
    IOptions<UsagePushOptions> options,
    TimeProvider time,
    ILogger<PayerMeterEvents> log)
{
    public const string CustomerPayloadKey = "stripe_customer_id";
    public const string ValuePayloadKey = "value";

    /// <summary>Outcomes written to the ledger in one round trip.</summary>
    private const int OutcomesPerWrite = 50;

    internal static readonly ActivitySource Activities = new("Cic.Billing.UsagePush");

    private enum Outcome
    {
        Sent,
        Rejected,
        Failed,
    }

    public async Task SendDueAsync(Guid payerId, CancellationToken cancellationToken)
    {
        // Held on a connection of its own while Stripe is called and outcomes are committed: released when done,
        // or when the connection drops with a crashed instance.
        await using var held = await dataSource.TryHoldAsync($"cic-billing-meter-events:{payerId}", cancellationToken);
        if (held is null)
        {
            LogPayerBusy(payerId);
            return;
        }

        // Read after taking the lock: what another instance sent meanwhile is no longer due.
        var now = time.GetUtcNow();
        var due = await db.MeterPushes
            .Where(p => p.PayerId == payerId && p.SentAt == null && p.RejectedAt == null && p.NextAttemptAt <= now)
            .OrderBy(p => p.WindowStart).ThenBy(p => p.Revision).ThenBy(p => p.CompanyId)
            .Take(options.Value.BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return;
        }

        if (!await db.BillingAccounts.AnyAsync(a => a.Id == payerId, cancellationToken))
        {
            var why = $"The paying account {payerId} is not known to Billing yet: the push waits for Accounts' event about it.";
            if (await db.MeterPushes.Where(p => p.PayerId == payerId && p.SentAt == null && p.RejectedAt == null && p.LastError != why)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastError, why), cancellationToken) > 0)
            {
                LogWaitingForAccount(payerId);
            }

            return;
        }

        BillingAccount account;
        try
        {
            account = await customers.EnsureSubscriptionAsync(payerId, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var retryAt = Postpone(due, $"Setting up the Stripe customer and subscription failed: {Describe(e)}");
            LogCustomerFailed(e, payerId, retryAt);
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        // Fixed before the first send and reused on every retry, so a retry is the same meter event.
        // Usage from before the subscription began is reported at its start, or its period would not bill it.
        foreach (var push in due.Where(p => p.MeterTimestamp is null || p.StripeCustomerId is null))
        {
            push.StripeCustomerId = account.StripeCustomerId;
            push.MeterTimestamp = account.SubscriptionStartedAt is { } started && started > push.WindowStart ? started : push.WindowStart;
        }

        await db.SaveChangesAsync(cancellationToken);

        // Outcomes are written a group at a time, not a database round trip per event: a push whose "sent" a crash
        // lost is sent again, and Stripe, knowing its identifier, answers that it has it (recorded once, then marked sent).
        var unwritten = 0;
        try
        {
            for (var i = 0; i < due.Count; i++)
            {
                var push = due[i];
                var (outcome, reason) = await SendAsync(push, cancellationToken);
                push.Attempts++;
                unwritten++;
                now = time.GetUtcNow();
                switch (outcome)
                {
                    case Outcome.Sent:
                        push.SentAt = now;
                        push.LastError = null;
                        break;
                    case Outcome.Rejected:
                        push.RejectedAt = now;
                        push.LastError = reason;
                        LogRejected(push.Identifier, push.Calls, push.StripeCustomerId!, reason!);
                        break;
                    default:
                        push.LastError = reason;
                        push.NextAttemptAt = now + options.Value.Backoff(push.Attempts);
                        LogFailed(push.Identifier, push.Attempts, push.NextAttemptAt, reason!);
                        // Stripe is failing for this customer: the rest waits as long, rather than fail one by one.
                        foreach (var rest in due.Skip(i + 1))
                        {
                            rest.NextAttemptAt = push.NextAttemptAt;
                        }

                        return;
                }

                if (unwritten == OutcomesPerWrite)
                {
                    await db.SaveChangesAsync(CancellationToken.None);
                    unwritten = 0;
                }
            }
        }
        finally
        {
            // Whatever Stripe said is kept even while shutting down: it is the ledger of what Stripe has.
            if (unwritten > 0)
            {
                await db.SaveChangesAsync(CancellationToken.None);
            }
        }
    }

    private async Task<(Outcome Outcome, string? Reason)> SendAsync(MeterPush push, CancellationToken cancellationToken)
    {
        // Sent in the background, but in the trace of the tally that made it: a call's trace ends at Stripe.
        ActivityContext.TryParse(push.TraceParent, null, out var tally);
        using var activity = Activities.StartActivity("meter event", ActivityKind.Client, tally);
        activity?.SetTag("cic.meter_event.identifier", push.Identifier);
        try
        {
            // No idempotency key: Stripe would replay a saved 500 to every retry for a day. The identifier makes the event unique.
            await stripe.V1.Billing.MeterEvents.CreateAsync(
                new MeterEventCreateOptions
                {
                    EventName = stripeOptions.Value.MeterEventName,
                    Identifier = push.Identifier,
                    Timestamp = push.MeterTimestamp!.Value.UtcDateTime,
                    Payload = new Dictionary<string, string>
                    {
                        [CustomerPayloadKey] = push.StripeCustomerId!,
                        [ValuePayloadKey] = push.Calls.ToString(CultureInfo.InvariantCulture),
                    },
                },
                cancellationToken: cancellationToken);
            return (Outcome.Sent, null);
        }
        catch (StripeException e) when (IsAlreadyRecorded(e))
        {
            LogAlreadyRecorded(push.Identifier);
            return (Outcome.Sent, null);
        }
        catch (StripeException e) when (IsRefusal(e))
        {
            return (Outcome.Rejected, $"Stripe refused the meter event ({(int)e.HttpStatusCode} {e.StripeError?.Code}): {e.StripeError?.Message ?? e.Message}");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return (Outcome.Failed, Describe(e));
        }
    }

    /// <summary>Stripe already has an event with this identifier: an earlier attempt got through.</summary>
    private static bool IsAlreadyRecorded(StripeException e) =>
        e.HttpStatusCode == HttpStatusCode.BadRequest
        && (e.StripeError?.Code == "duplicate_meter_event"
            || e.StripeError?.Message?.Contains("already exists with identifier", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>
    /// A definite no for this event (e.g. a timestamp older than Stripe accepts), as opposed to a failure
    /// worth retrying. Refusals that point at the platform's own set-up (key, permissions, no meter for
    /// the event name) are retried instead: once fixed, the pushes go through. So is a timestamp ahead of
    /// Stripe's clock (a skewed clock, or a test clock not advanced yet): it becomes acceptable with time.
    /// </summary>
    private static bool IsRefusal(StripeException e)
    {
        var status = (int)e.HttpStatusCode;
        if (status is < 400 or >= 500 || e.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            or HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests)
        {
            return false;
        }

        if (e.StripeError?.Code is "meter_event_no_meter_found" or "archived_meter" or "timestamp_in_future")
        {
            return false;
        }

        return !(e.StripeResponse?.Headers is { } headers
            && headers.TryGetValues("Stripe-Should-Retry", out var values)
            && string.Equals(values.FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase));
    }

    private DateTimeOffset Postpone(List<MeterPush> pushes, string reason)
    {
        var now = time.GetUtcNow();
        var retryAt = now;
        foreach (var push in pushes)
        {
            push.Attempts++;
            push.LastError = reason;
            push.NextAttemptAt = now + options.Value.Backoff(push.Attempts);
            retryAt = push.NextAttemptAt;
        }

        return retryAt;
    }

    private static string Describe(Exception e) => DueRows.Error(e is StripeException stripeError
        ? $"Stripe answered {(int)stripeError.HttpStatusCode} {stripeError.StripeError?.Code}: {stripeError.StripeError?.Message ?? stripeError.Message}"
        : $"{e.GetType().Name}: {e.Message}");

    [LoggerMessage(LogLevel.Debug, "Billing account {PayerId}'s usage is being pushed by another worker; skipped")]
    private partial void LogPayerBusy(Guid payerId);

    [LoggerMessage(LogLevel.Information, "Usage for billing account {PayerId} waits: the account is not known to Billing yet")]
    private partial void LogWaitingForAccount(Guid payerId);

    [LoggerMessage(LogLevel.Warning, "Setting up the Stripe customer of billing account {PayerId} failed; its pushes are retried at {RetryAt}")]
    private partial void LogCustomerFailed(Exception e, Guid payerId, DateTimeOffset retryAt);

    [LoggerMessage(LogLevel.Debug, "Stripe already had meter event {Identifier}: counted as sent")]
    private partial void LogAlreadyRecorded(string identifier);

    [LoggerMessage(LogLevel.Error, "Stripe refused meter event {Identifier} ({Calls} calls for customer {Customer}) for good: {Reason}. It is shown in the usage reconciliation view.")]
    private partial void LogRejected(string identifier, long calls, string customer, string reason);

    [LoggerMessage(LogLevel.Warning, "Meter event {Identifier} failed on attempt {Attempt}; next attempt at {RetryAt}: {Reason}")]
    private partial void LogFailed(string identifier, int attempt, DateTimeOffset retryAt, string reason);
}
