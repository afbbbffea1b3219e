using System.Globalization;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
        Guid accountId, string? cycle, BillingDb db, UsageReconciliation reconciliation, StripeClock clock, CancellationToken cancellationToken)
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
        return TypedResults.Ok(await reconciliation.ReconcileAsync(account, period, cancellationToken));
    }

    private static async Task<Results<Ok<List<UsageDifferenceRow>>, ValidationProblem>> Differences(
        string? cycle, UsageReconciliation reconciliation, StripeClock clock, CancellationToken cancellationToken)
    {
        if (!TryParseCycle(cycle, out var parsed))
        {
            return CycleProblem(cycle);
        }

        var period = parsed ?? BillingCycle.Containing(await clock.NowAsync(cancellationToken));
        return TypedResults.Ok(await reconciliation.DifferencesAsync(period, cancellationToken));
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
