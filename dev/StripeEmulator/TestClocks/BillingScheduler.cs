using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;

namespace Cic.StripeEmulator.TestClocks;

/// <summary>
/// Runs everything that falls due as time passes — renewals, finalization after the grace period, automatic payment
/// retries, scheduled cancellations — in time order, for one test clock or for the objects on real time.
/// Runs under the state lock.
/// </summary>
internal sealed class BillingScheduler(EmulatorState state, SubscriptionService subscriptions, InvoiceService invoices)
{
    /// <summary>A runaway guard: no legitimate advance needs this many steps.</summary>
    private const int MaxSteps = 100_000;

    /// <summary>
    /// Processes due work up to <paramref name="until"/>. For a test clock the clock's frozen time steps through each due
    /// moment, so every object (and event) produced carries the time it would have had on Stripe.
    /// </summary>
    public void RunUntil(string? clockId, long until)
    {
        var clock = clockId is null ? null : state.TestClocks.Get(clockId);
        for (var step = 0; step < MaxSteps; step++)
        {
            var next = NextDue(clockId);
            if (next is null || next > until)
            {
                break;
            }
            if (clock is not null)
            {
                clock.FrozenTime = Math.Max(clock.FrozenTime, next.Value);
            }
            RunDueAt(clockId, next.Value);
        }
        if (clock is not null)
        {
            clock.FrozenTime = until;
        }
    }

    private long? NextDue(string? clockId)
    {
        var times = Subscriptions(clockId).Select(SubscriptionService.DueAt)
            .Concat(Drafts(clockId).Select(i => (long?)i.FinalizeAt))
            .Concat(Retries(clockId).Select(i => i.NextPaymentAttempt))
            .Where(t => t is not null)
            .ToList();
        return times.Count == 0 ? null : times.Min();
    }

    private void RunDueAt(string? clockId, long now)
    {
        foreach (var subscription in Subscriptions(clockId).Where(s => SubscriptionService.DueAt(s) <= now).ToList())
        {
            subscriptions.RunDue(subscription, now);
        }
        foreach (var invoice in Drafts(clockId).Where(i => i.FinalizeAt <= now).ToList())
        {
            invoices.Finalize(invoice, now);
            if (invoice.Status == "open" && invoice.CollectionMethod == "charge_automatically")
            {
                invoices.Attempt(invoice, explicitMethod: null, automatic: true, now);
            }
        }
        foreach (var invoice in Retries(clockId).Where(i => i.NextPaymentAttempt <= now).ToList())
        {
            invoices.Attempt(invoice, explicitMethod: null, automatic: true, now);
        }
    }

    private IEnumerable<Subscription> Subscriptions(string? clockId) =>
        state.Subscriptions.All.Where(s => s.TestClock == clockId && s.IsLive);

    private IEnumerable<Invoice> Drafts(string? clockId) =>
        state.Invoices.All.Where(i => i.TestClock == clockId && i.Status == "draft" && i.AutoAdvance);

    private IEnumerable<Invoice> Retries(string? clockId) =>
        state.Invoices.All.Where(i => i.TestClock == clockId && i.Status == "open" && i.NextPaymentAttempt is not null);
}

/// <summary>Drives <see cref="BillingScheduler"/> with real time for the objects that are not on a test clock.</summary>
internal sealed class RealTimeScheduler(EmulatorState state, BillingScheduler scheduler, StripeEmulatorOptions options, ILogger<RealTimeScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SchedulerInterval, options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    lock (state.Gate)
                    {
                        scheduler.RunUntil(null, state.RealNow);
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    Log.SchedulerFailed(logger, error);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
