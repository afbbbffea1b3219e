using Cic.Billing.Invoices;
using Cic.Billing.Readiness;
using Cic.Billing.Stripe;
using Cic.ServiceDefaults.Monitoring;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Pipeline;

/// <summary>
/// What on-call watches of Billing (meter <c>Cic.Pipeline</c>, docs/runbook.md): is usage reaching Stripe, are
/// Stripe's webhooks processed, is reconciliation running, is Stripe answering, who is past due, and who would
/// not be billed on the next cycle. The lags past their threshold (<c>Pipeline:Thresholds</c>) turn <c>/health</c> Degraded.
/// </summary>
public static class BillingPipeline
{
    public static IHostApplicationBuilder AddBillingPipeline(this IHostApplicationBuilder builder)
    {
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.meter_pushes.pending", "{push}", "Meter pushes (usage for Stripe) not yet confirmed by Stripe",
            async (s, ct) => await Db(s).MeterPushes.CountAsync(p => p.SentAt == null && p.RejectedAt == null, ct)));
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.meter_pushes.rejected", "{push}", "Meter pushes Stripe refused for good: usage that will not be billed unless someone acts",
            async (s, ct) => await Db(s).MeterPushes.CountAsync(p => p.RejectedAt != null, ct)) with
        {
            ThresholdKey = "MeterPushesRejected",
            DefaultThreshold = 0,
            Reason = r => $"Stripe refused {r.Value:0} meter push(es) for good: see the usage reconciliation view",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.meter_pushes.oldest_pending_age", "s", "Age of the oldest meter push Stripe has not confirmed yet (0 when none)",
            async (s, ct) => PipelineGauge.AgeSeconds(
                await Db(s).MeterPushes.Where(p => p.SentAt == null && p.RejectedAt == null).MinAsync(p => (DateTimeOffset?)p.CreatedAt, ct), Now(s))) with
        {
            ThresholdKey = "MeterPushOldestPendingSeconds",
            DefaultThreshold = TimeSpan.FromHours(2).TotalSeconds,
            Reason = r => $"usage is not reaching Stripe: the oldest pending meter push is {PipelineGauge.Duration(r.Value)} old",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.usage.awaiting_payer", "{call}", "Tallied calls in usage windows whose paying billing account is not known yet",
            async (s, ct) => await Db(s).BillableHours.Where(w => w.PayerId == null).SumAsync(w => (long?)w.CallCount, ct) ?? 0));
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.stripe_events.pending", "{event}", "Stripe webhook events received but not processed yet",
            async (s, ct) => await Db(s).StripeEvents.CountAsync(e => e.ProcessedAt == null && e.FailedAt == null, ct)));
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.stripe_events.oldest_pending_age", "s", "Age of the oldest Stripe webhook event not processed yet (0 when none)",
            async (s, ct) => PipelineGauge.AgeSeconds(
                await Db(s).StripeEvents.Where(e => e.ProcessedAt == null && e.FailedAt == null).MinAsync(e => (DateTimeOffset?)e.ReceivedAt, ct), Now(s))) with
        {
            ThresholdKey = "StripeEventOldestPendingSeconds",
            DefaultThreshold = TimeSpan.FromMinutes(15).TotalSeconds,
            Reason = r => $"Stripe webhooks are not being processed: the oldest pending event is {PipelineGauge.Duration(r.Value)} old",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.reconciliation.last_success_age", "s",
            "Time since a Stripe customer was last reconciled successfully (hourly pass, POST /billing-accounts/sync or a webhook); 0 while there are no customers",
            async (s, ct) =>
            {
                var db = Db(s);
                if (!await db.BillingAccounts.AnyAsync(a => a.StripeCustomerId != null, ct))
                {
                    return 0;
                }

                var last = await db.BillingAccounts.Where(a => a.StripeCustomerId != null).MaxAsync(a => a.SyncedAt, ct);
                // A customer created but never synced yet counts from when its account was created.
                last ??= await db.BillingAccounts.Where(a => a.StripeCustomerId != null).MinAsync(a => a.CustomerCreatedAt ?? a.CreatedAt, ct);
                return PipelineGauge.AgeSeconds(last, Now(s));
            }) with
        {
            ThresholdKey = "ReconciliationAgeSeconds",
            DefaultThreshold = TimeSpan.FromHours(3).TotalSeconds,
            Reason = r => $"reconciliation with Stripe is stale: no customer reconciled for {PipelineGauge.Duration(r.Value)}",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.stripe.failing_in_a_row", "{request}", "Stripe API attempts in a row that got a 429, a 5xx or no answer, since the last one Stripe answered",
            (s, _) => Task.FromResult((double)s.GetRequiredService<StripeCalls>().FailingInARow)) with
        {
            ThresholdKey = "StripeFailingInARow",
            DefaultThreshold = 10,
            Reason = r => $"Stripe is not answering: the last {r.Value:0} requests failed (429, 5xx or no answer)",
        });
        builder.AddPipelineGauge(new PipelineGauge(
            "cic.billing.invoices.past_due", "{invoice}", "Open invoices past due (a failed payment attempt or past their due date), per currency",
            async (s, ct) => (await PastDueAsync(s, ct)).Select(p => new PipelineReading(p.Count, p.Currency)).ToList())
        {
            TagName = "currency",
        });
        builder.AddPipelineGauge(new PipelineGauge(
            "cic.billing.invoices.past_due_amount", "{minor_unit}", "Amount remaining on past-due invoices, in the currency's minor unit (cents), per currency",
            async (s, ct) => (await PastDueAsync(s, ct)).Select(p => new PipelineReading(p.Amount, p.Currency)).ToList())
        {
            TagName = "currency",
        });
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.billing.accounts.not_ready", "{account}", "Paying billing accounts that would not be charged automatically on the next cycle (no customer, no or expiring default card)",
            async (s, ct) => (await ReadinessCheck.NotReadyAsync(Db(s), await s.GetRequiredService<StripeClock>().NowAsync(ct), ct)).Count));
        return builder;
    }

    private static BillingDb Db(IServiceProvider services) => services.GetRequiredService<BillingDb>();

    private static DateTimeOffset Now(IServiceProvider services) => services.GetRequiredService<TimeProvider>().GetUtcNow();

    private static async Task<List<(string Currency, long Count, long Amount)>> PastDueAsync(IServiceProvider services, CancellationToken ct)
    {
        var rows = await Db(services).Invoices.Where(Invoice.PastDueAt(Now(services)))
            .GroupBy(i => i.Currency)
            .Select(g => new { Currency = g.Key, Count = g.LongCount(), Amount = g.Sum(i => i.AmountRemaining) })
            .ToListAsync(ct);
        return rows.Select(r => (r.Currency, r.Count, r.Amount)).ToList();
    }
}
