using System.Data;
using System.Globalization;
using Cic.Billing.Accounts;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using global::Stripe;
using global::Stripe.Billing;

namespace Cic.Billing.UsagePush;

/// <summary>A difference the reconciliation found, in plain words.</summary>
/// <param name="Code"><c>tallied_not_pushed</c>, <c>rejected_pushes</c>, <c>awaiting_payer</c>, <c>stripe_differs</c> or <c>stripe_unreadable</c>.</param>
public sealed record ReconciliationFlag(string Code, string Message);

/// <summary>One company's share of an account's usage in the cycle.</summary>
public sealed record CompanyUsageRow(
    Guid CompanyId, string? Name, long CallsTallied, long CallsPushed, long CallsPending, long CallsRejected, bool Matches);

/// <summary>A push not (yet) recorded by Stripe.</summary>
/// <param name="Status"><c>pending</c> (will be sent or retried) or <c>rejected</c> (Stripe refused it for good).</param>
/// <param name="LastError">Why it is not sent: Stripe's answer, or what it waits for.</param>
public sealed record OpenPushRow(
    string Identifier, Guid CompanyId, DateTimeOffset WindowStart, long Revision, long Calls, string Status,
    int Attempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? RejectedAt, string? LastError);

/// <summary>
/// An account's usage in a billing cycle, as the platform tallied it, pushed it and Stripe recorded it.
/// </summary>
/// <param name="CallsTallied">Calls of the cycle's hour windows that this account pays for (the latest revision of each).</param>
/// <param name="CallsPushed">Calls Stripe confirmed, in meter events timestamped within the cycle.</param>
/// <param name="CallsPending">Calls of the cycle's windows waiting to be sent or retried.</param>
/// <param name="CallsRejected">Calls of the cycle's windows Stripe refused for good.</param>
/// <param name="CallsAwaitingPayer">Calls of the account's companies in the cycle for which no payer is known yet.</param>
/// <param name="CallsInStripe">Stripe's meter-event summary for the customer over the cycle; null when Stripe could not be read.</param>
/// <param name="Matches">No flag was raised: tallied = pushed = Stripe.</param>
public sealed record UsageReconciliationResponse(
    Guid AccountId, AccountKind Kind, string Name, string Cycle, DateTimeOffset CycleStart, DateTimeOffset CycleEnd, string? StripeCustomerId,
    long CallsTallied, long CallsPushed, long CallsPending, long CallsRejected, long CallsAwaitingPayer, decimal? CallsInStripe,
    bool Matches, IReadOnlyList<ReconciliationFlag> Flags, IReadOnlyList<CompanyUsageRow> Companies, IReadOnlyList<OpenPushRow> OpenPushes);

/// <summary>An account whose usage in the cycle is not all in Stripe, from the platform's ledger alone.</summary>
/// <param name="OldestPendingSince">When the oldest push still pending was recorded: a push pending for long is stuck.</param>
/// <param name="LastError">The latest reason a push of the account is not sent.</param>
public sealed record UsageDifferenceRow(
    Guid AccountId, string? Name, AccountKind? Kind, long CallsTallied, long CallsPushed, int PendingPushes, long CallsPending,
    int RejectedPushes, long CallsRejected, long CallsAwaitingPayer, DateTimeOffset? OldestPendingSince, string? LastError);

public static class UsageReconciliationEndpoints
{
    private const int OpenPushesShown = 200;

    public static IEndpointRouteBuilder MapUsageReconciliation(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/billing-accounts")
            .WithTags("Usage reconciliation")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);

        accounts.MapGet("/{accountId:guid}/usage-reconciliation", Reconcile)
            .WithName("GetUsageReconciliation")
            .WithSummary("An account's usage in a billing cycle: tallied, pushed to Stripe, and what Stripe's meter shows (staff)")
            .WithDescription("cycle is a calendar month in UTC as yyyy-MM (default: the current one). Calls tallied are the cycle's hour windows the account pays for; "
                + "calls pushed are those Stripe confirmed, by meter-event timestamp; pending and rejected pushes are listed with the reason; Stripe's figure is its "
                + "meter-event summary for the customer. For an organization, each company's share is shown. Every difference is flagged.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        accounts.MapGet("/usage-differences", Differences)
            .WithName("ListUsageDifferences")
            .WithSummary("Accounts whose usage in a cycle is not all pushed: pending, failing, rejected or waiting for a payer (staff)")
            .WithDescription("From the platform's own ledger (Stripe is not asked; open an account's usage reconciliation for that). cycle is yyyy-MM, default the current one.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Ok<UsageReconciliationResponse>, NotFound, ValidationProblem>> Reconcile(
        Guid accountId, string? cycle, BillingDb db, StripeClient stripe, StripeClock clock, IOptions<StripeSettings> settings,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!TryParseCycle(cycle, out var parsed))
        {
            return CycleProblem(cycle);
        }

        var account = await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        var period = parsed ?? BillingCycle.Containing(await clock.NowAsync(cancellationToken));
        var (start, end) = (period.Start, period.End);

        // One snapshot for all figures: a push sent between two queries would otherwise count as neither pending nor pushed.
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var tallied = await db.UsageWindows
            .Where(w => w.PayerId == accountId && w.WindowStart >= start && w.WindowStart < end)
            .GroupBy(w => w.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(w => w.CallCount) })
            .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var pushed = await db.MeterPushes
            .Where(p => p.PayerId == accountId && p.SentAt != null && p.MeterTimestamp >= start && p.MeterTimestamp < end)
            .GroupBy(p => p.CompanyId)
            .Select(g => new { CompanyId = g.Key, Calls = g.Sum(p => p.Calls) })
            .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var open = await db.MeterPushes
            .Where(p => p.PayerId == accountId && p.SentAt == null && p.WindowStart >= start && p.WindowStart < end)
            .GroupBy(p => new { p.CompanyId, Rejected = p.RejectedAt != null })
            .Select(g => new { g.Key.CompanyId, g.Key.Rejected, Calls = g.Sum(p => p.Calls) })
            .ToListAsync(cancellationToken);
        var openPushes = await db.MeterPushes
            .Where(p => p.PayerId == accountId && p.SentAt == null && p.WindowStart >= start && p.WindowStart < end)
            .OrderByDescending(p => p.RejectedAt != null).ThenBy(p => p.WindowStart).ThenBy(p => p.Revision)
            .Take(OpenPushesShown)
            .Select(p => new OpenPushRow(
                p.Identifier, p.CompanyId, p.WindowStart, p.Revision, p.Calls, p.RejectedAt != null ? "rejected" : "pending",
                p.Attempts, p.RejectedAt != null ? null : p.NextAttemptAt, p.RejectedAt, p.LastError))
            .ToListAsync(cancellationToken);

        // Usage no payer is known for yet belongs to nobody's figures; show it on the accounts it would most likely land on.
        var ownCompanies = account.Kind == AccountKind.Company
            ? db.BillingAccounts.Where(a => a.Id == accountId).Select(a => a.Id)
            : db.OrganizationCompanies.Where(o => o.OrganizationId == accountId).Select(o => o.CompanyId);
        var awaitingPayer = await db.UsageWindows
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
        var (inStripe, stripeError) = await StripeCallsAsync(stripe, settings.Value.MeterEventName, account.StripeCustomerId, period, cancellationToken);
        if (stripeError is not null)
        {
            UsageReconciliationLog.StripeUnreadable(loggers.CreateLogger(typeof(UsageReconciliationEndpoints)), accountId, stripeError);
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

        return TypedResults.Ok(new UsageReconciliationResponse(
            account.Id, account.Kind, account.Name, period.ToString(), start, end, account.StripeCustomerId,
            callsTallied, callsPushed, callsPending, callsRejected, awaitingPayer, inStripe,
            flags.Count == 0, flags, companies, openPushes));
    }

    private static async Task<Results<Ok<List<UsageDifferenceRow>>, ValidationProblem>> Differences(
        string? cycle, BillingDb db, StripeClock clock, CancellationToken cancellationToken)
    {
        if (!TryParseCycle(cycle, out var parsed))
        {
            return CycleProblem(cycle);
        }

        var period = parsed ?? BillingCycle.Containing(await clock.NowAsync(cancellationToken));
        var (start, end) = (period.Start, period.End);
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var tallied = await db.UsageWindows
            .Where(w => w.PayerId != null && w.WindowStart >= start && w.WindowStart < end)
            .GroupBy(w => w.PayerId!.Value)
            .Select(g => new { AccountId = g.Key, Calls = g.Sum(w => w.CallCount) })
            .ToDictionaryAsync(g => g.AccountId, g => g.Calls, cancellationToken);
        var awaitingPayer = await db.UsageWindows
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
        return TypedResults.Ok(ids
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
            .ToList());
    }

    /// <summary>Stripe's summary of the meter for the customer over the cycle (a customer Stripe never had holds nothing).</summary>
    private static async Task<(decimal? Calls, string? Error)> StripeCallsAsync(
        StripeClient stripe, string eventName, string? customerId, BillingCycle cycle, CancellationToken cancellationToken)
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

    /// <summary>No value means the current cycle; otherwise a real month as <c>yyyy-MM</c>.</summary>
    private static bool TryParseCycle(string? cycle, out BillingCycle? parsed)
    {
        parsed = null;
        if (cycle is null)
        {
            return true;
        }

        if (DateTime.TryParseExact(cycle, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month.Year is >= 2000 and <= 2999)
        {
            parsed = BillingCycle.Of(month.Year, month.Month);
            return true;
        }

        return false;
    }

    private static ValidationProblem CycleProblem(string? cycle) =>
        ApiProblems.Field("cycle", $"'{cycle}' is not a billing cycle: give a calendar month as yyyy-MM, e.g. 2026-11.");
}

internal static partial class UsageReconciliationLog
{
    [LoggerMessage(LogLevel.Warning, "Stripe's meter could not be read for the usage reconciliation of account {AccountId}: {Error}")]
    public static partial void StripeUnreadable(ILogger log, Guid accountId, string error);
}
