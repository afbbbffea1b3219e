using System.Data;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using global::Stripe;
using global::Stripe.Billing;

namespace Cic.Billing.UsagePush;

/// <summary>
/// Usage reconciliation: an account's usage in a billing cycle as the platform tallied it, pushed it and Stripe's meter
/// recorded it, and the accounts whose usage is not all pushed. The platform's figures are read in one snapshot,
/// committed before Stripe is asked, so no transaction stays open across Stripe.
/// </summary>
public sealed partial class UsageReconciliation(
    BillingDb db, StripeClient stripe, IOptions<StripeOptions> stripeOptions, ILogger<UsageReconciliation> log)
{
    private const int OpenPushesShown = 200;

    /// <summary>The account's figures for <paramref name="period"/>, each difference flagged.</summary>
    public async Task<UsageReconciliationResponse> ReconcileAsync(BillingAccount account, BillingCycle period, CancellationToken cancellationToken)
    {
        var (start, end) = (period.Start, period.End);

        // One snapshot for all figures: a push sent between two queries would otherwise count as neither pending nor pushed.
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var tallied = await db.BillableHours
            .Where(w => w.PayerId == account.Id && w.WindowStart >= start && w.WindowStart < end)
            .GroupBy(w => w.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(w => w.CallCount) })
            .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var pushed = await db.MeterPushes
            .Where(p => p.PayerId == account.Id && p.SentAt != null && p.MeterTimestamp >= start && p.MeterTimestamp < end)
            .GroupBy(p => p.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(p => p.Calls) })
            .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var open = await db.MeterPushes
            .Where(p => p.PayerId == account.Id && p.SentAt == null && p.WindowStart >= start && p.WindowStart < end)
            .GroupBy(p => new { p.CompanyId, Rejected = p.RejectedAt != null })
            .Select(g => new { g.Key.CompanyId, g.Key.Rejected, Calls = g.Sum(p => p.Calls) })
            .ToListAsync(cancellationToken);
        var openPushes = await db.MeterPushes
            .Where(p => p.PayerId == account.Id && p.SentAt == null && p.WindowStart >= start && p.WindowStart < end)
            .OrderByDescending(p => p.RejectedAt != null).ThenBy(p => p.WindowStart).ThenBy(p => p.Revision)
            .Take(OpenPushesShown)
            .Select(p => new OpenPushRow(
                p.Identifier, p.CompanyId, p.WindowStart, p.Revision, p.Calls, p.RejectedAt != null ? "rejected" : "pending",
                p.Attempts, p.RejectedAt != null ? null : p.NextAttemptAt, p.RejectedAt, p.LastError))
            .ToListAsync(cancellationToken);

        // Usage no payer is known for yet belongs to nobody's figures; show it on the accounts it would most likely land on.
        var ownCompanies = account.Kind == AccountKind.Company
            ? db.BillingAccounts.Where(a => a.Id == account.Id).Select(a => a.Id)
            : db.OrganizationCompanies.Where(o => o.OrganizationId == account.Id).Select(o => o.CompanyId);
        var awaitingPayer = await db.BillableHours
            .Where(w => w.PayerId == null && w.WindowStart >= start && w.WindowStart < end && ownCompanies.Contains(w.CompanyId))
            .SumAsync(w => w.CallCount, cancellationToken);

        var companyIds = tallied.Keys.Concat(pushed.Keys).Concat(open.Select(o => o.CompanyId)).Distinct().ToList();
        var names = await db.BillingAccounts.Where(a => companyIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);
        await snapshot.CommitAsync(cancellationToken);
        var companies = companyIds
            .Select(id =>
            {
                var t = tallied.GetValueOrDefault(id);
                var p = pushed.GetValueOrDefault(id);
                return new CompanyUsageRow(
                    id, names.GetValueOrDefault(id), t, p,
                    open.Where(o => o.CompanyId == id && !o.Rejected).Sum(o => o.Calls),
                    open.Where(o => o.CompanyId == id && o.Rejected).Sum(o => o.Calls),
                    t == p);
            })
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.CompanyId)
            .ToList();

        var callsTallied = tallied.Values.Sum();
        var callsPushed = pushed.Values.Sum();
        var callsPending = open.Where(o => !o.Rejected).Sum(o => o.Calls);
        var callsRejected = open.Where(o => o.Rejected).Sum(o => o.Calls);
        var (inStripe, stripeError) = await StripeCallsAsync(stripeOptions.Value.MeterEventName, account.StripeCustomerId, period, cancellationToken);
        if (stripeError is not null)
        {
            LogStripeUnreadable(account.Id, stripeError);
        }

        var flags = new List<ReconciliationFlag>();
        if (callsTallied != callsPushed)
        {
            flags.Add(new("tallied_not_pushed",
                $"{callsTallied} calls tallied but {callsPushed} pushed to Stripe: {callsPending} pending, {callsRejected} refused by Stripe"
                + (callsTallied - callsPushed - callsPending - callsRejected is var other and not 0
                    ? $", {other} accounted in another cycle (usage from before the subscription began is reported at its start) or lowered by a recount."
                    : ".")));
        }

        if (callsRejected > 0)
        {
            flags.Add(new("rejected_pushes", $"Stripe refused {openPushes.Count(p => p.Status == "rejected")} push(es) of {callsRejected} calls for good; see openPushes for Stripe's reasons."));
        }

        if (awaitingPayer > 0)
        {
            flags.Add(new("awaiting_payer", $"{awaitingPayer} calls of this account's companies wait for Accounts to say who pays for them."));
        }

        if (stripeError is not null)
        {
            flags.Add(new("stripe_unreadable", $"Stripe's meter could not be read: {stripeError}"));
        }
        else if (inStripe != callsPushed)
        {
            flags.Add(new("stripe_differs",
                $"Stripe's meter shows {inStripe} calls for the customer in the cycle, the platform pushed {callsPushed}: meter events were sent or cancelled outside the platform, or Stripe is still processing them."));
        }

        return new UsageReconciliationResponse(
            account.Id, account.Kind, account.Name, period.ToString(), start, end, account.StripeCustomerId,
            callsTallied, callsPushed, callsPending, callsRejected, awaitingPayer, inStripe,
            flags.Count == 0, flags, companies, openPushes);
    }

    /// <summary>The accounts whose usage in <paramref name="period"/> is not all pushed, from the platform's own ledger (Stripe is not asked).</summary>
    public async Task<List<UsageDifferenceRow>> DifferencesAsync(BillingCycle period, CancellationToken cancellationToken)
    {
        var (start, end) = (period.Start, period.End);
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var tallied = await db.BillableHours
            .Where(w => w.PayerId != null && w.WindowStart >= start && w.WindowStart < end)
            .GroupBy(w => w.PayerId!.Value)
            .Select(g => new { AccountId = g.Key, Calls = g.Sum(w => w.CallCount) })
            .ToDictionaryAsync(g => g.AccountId, g => g.Calls, cancellationToken);
        var awaitingPayer = await db.BillableHours
            .Where(w => w.PayerId == null && w.WindowStart >= start && w.WindowStart < end)
            .GroupBy(w => w.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(w => w.CallCount) })
            .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var pushed = await db.MeterPushes
            .Where(p => p.PayerId != null && p.SentAt != null && p.MeterTimestamp >= start && p.MeterTimestamp < end)
            .GroupBy(p => p.PayerId!.Value)
            .Select(g => new { AccountId = g.Key, Calls = g.Sum(p => p.Calls) })
            .ToDictionaryAsync(g => g.AccountId, g => g.Calls, cancellationToken);
        // Pushes without a payer yet are shown on their company.
        var unsent = db.MeterPushes.Where(p => p.SentAt == null && p.WindowStart >= start && p.WindowStart < end);
        var open = await unsent
            .GroupBy(p => new { AccountId = p.PayerId ?? p.CompanyId, Rejected = p.RejectedAt != null })
            .Select(g => new { g.Key.AccountId, g.Key.Rejected, Count = g.Count(), Calls = g.Sum(p => p.Calls), Oldest = g.Min(p => p.CreatedAt) })
            .ToListAsync(cancellationToken);
        var lastErrors = await unsent
            .Where(p => p.LastError != null)
            .GroupBy(p => p.PayerId ?? p.CompanyId)
            .Select(g => new { AccountId = g.Key, LastError = g.OrderByDescending(p => p.RejectedAt ?? p.NextAttemptAt).Select(p => p.LastError).First() })
            .ToDictionaryAsync(e => e.AccountId, e => e.LastError, cancellationToken);

        var ids = tallied.Keys.Concat(pushed.Keys).Concat(awaitingPayer.Keys).Concat(open.Select(o => o.AccountId)).Distinct().ToList();
        var accounts = await db.BillingAccounts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancellationToken);
        await snapshot.CommitAsync(cancellationToken);
        return ids
            .Select(id =>
            {
                var pending = open.FirstOrDefault(o => o.AccountId == id && !o.Rejected);
                var rejected = open.FirstOrDefault(o => o.AccountId == id && o.Rejected);
                var account = accounts.GetValueOrDefault(id);
                return new UsageDifferenceRow(
                    id, account?.Name, account?.Kind, tallied.GetValueOrDefault(id), pushed.GetValueOrDefault(id),
                    pending?.Count ?? 0, pending?.Calls ?? 0, rejected?.Count ?? 0, rejected?.Calls ?? 0, awaitingPayer.GetValueOrDefault(id),
                    pending?.Oldest, lastErrors.GetValueOrDefault(id));
            })
            .Where(r => r.CallsTallied != r.CallsPushed || r.PendingPushes > 0 || r.RejectedPushes > 0 || r.CallsAwaitingPayer > 0)
            .OrderByDescending(r => r.RejectedPushes > 0).ThenBy(r => r.OldestPendingSince ?? DateTimeOffset.MaxValue).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Stripe's summary of the meter for the customer over the cycle (a customer Stripe never had holds nothing).</summary>
    private async Task<(decimal? Calls, string? Error)> StripeCallsAsync(
        string eventName, string? customerId, BillingCycle cycle, CancellationToken cancellationToken)
    {
        if (customerId is null)
        {
            return (0, null);
        }

        try
        {
            Meter? meter = null;
            await foreach (var candidate in stripe.V1.Billing.Meters.ListAutoPagingAsync(new MeterListOptions { Limit = 100 }, cancellationToken: cancellationToken))
            {
                if (candidate.EventName == eventName && (meter is null || candidate.Status == "active"))
                {
                    meter = candidate;
                }
            }

            if (meter is null)
            {
                return (null, $"Stripe has no meter with event name '{eventName}' (setting Stripe:MeterEventName).");
            }

            decimal calls = 0;
            var options = new MeterEventSummaryListOptions { Customer = customerId, StartTime = cycle.Start.UtcDateTime, EndTime = cycle.End.UtcDateTime, Limit = 100 };
            await foreach (var summary in stripe.V1.Billing.Meters.EventSummaries.ListAutoPagingAsync(meter.Id, options, cancellationToken: cancellationToken))
            {
                calls += (decimal)summary.AggregatedValue;
            }

            return (calls, null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, e is StripeException s ? $"Stripe answered {(int)s.HttpStatusCode}: {s.StripeError?.Message ?? s.Message}" : e.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Stripe's meter could not be read for the usage reconciliation of account {AccountId}: {Error}")]
    private partial void LogStripeUnreadable(Guid accountId, string error);
}
