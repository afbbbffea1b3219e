using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Reconciliation;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Readiness;

/// <param name="StripeCustomerId">The account's Stripe customer (<c>cus_…</c>), once it needed one.</param>
/// <param name="Payer">
/// Who pays for this account's usage now: the account itself, or for a company billed through an
/// organization, that organization ("billed through Acme Group"). Null while Accounts has not said yet.
/// </param>
/// <param name="NextPayer">Who will pay from the next calendar month on, when a move changes it; otherwise null.</param>
public sealed record BillingAccountResponse(
    Guid Id, AccountKind Kind, string Name, string? StripeCustomerId, string? StripeSubscriptionId,
    string? DefaultPaymentMethodId, bool Delinquent, DateTimeOffset? SyncedAt, PayerResponse? Payer, PayerResponse? NextPayer);

/// <summary>The billing account that pays, since when.</summary>
/// <param name="BilledThrough">True when it is not the account itself (a company billed through its organization).</param>
public sealed record PayerResponse(AccountKind Kind, Guid Id, string Name, DateTimeOffset Since, bool BilledThrough);

/// <param name="ActorIsStaff">True when staff acted on the customer's behalf.</param>
/// <param name="AuthorizationId">For staff's card actions: the customer's staff authorization they acted under.</param>
public sealed record AccountActionResponse(string Action, string? Subject, string Actor, bool ActorIsStaff, DateTimeOffset At, Guid? AuthorizationId = null);

/// <summary>A reconciliation run: how many accounts have a Stripe customer, and how many of them were re-read in it.</summary>
public sealed record ReconciliationRun(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int Customers, int Synced);

public sealed record ActionsQuery([property: Range(1, 500)] int Limit = 100);

public static class BillingAccountEndpoints
{
    public static IEndpointRouteBuilder MapBillingAccounts(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/billing-accounts").WithTags("Billing accounts");

        // The endpoints on one account: who may not see it gets 404, checked once for all of them.
        var account = accounts.MapGroup("/{accountId:guid}").RequireBillingAccountAccess();

        account.MapGet("", Get)
            .WithName("GetBillingAccount")
            .WithSummary("A billing account: its Stripe customer, default card and delinquency");

        account.MapGet("/readiness", Readiness)
            .WithName("GetBillingReadiness")
            .WithSummary("Whether the account will be billed automatically on the next cycle, and if not, why")
            .WithDescription("Looks at whoever pays for the account's usage in the next cycle: for a company billed through an organization (or switching to one), the organization's customer and card.");

        accounts.MapGet("/not-ready", NotReady)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("ListAccountsNotReady")
            .WithSummary("Every paying account that is not ready for the next cycle (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        account.MapGet("/actions", Actions)
            .WithName("ListBillingActions")
            .WithSummary("Who did what to the account's cards and payments, newest first")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        accounts.MapPost("/sync", SyncAll)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("SyncAllBillingAccounts")
            .WithSummary("Run the periodic reconciliation with Stripe now, for every account (staff)")
            .WithDescription("Re-reads every customer's cards and invoices from Stripe, as the hourly pass does (the Aspire dashboard's \"Reconcile with Stripe now\"). 409 while another instance is running it.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        accounts.MapPost("/{accountId:guid}/sync", Sync)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("SyncBillingAccount")
            .WithSummary("Re-read the account's customer, cards and invoices from Stripe now (staff)")
            .WithDescription("What the periodic reconciliation does, for one account: repairs anything a missed webhook left behind, and shows refunds and credits made in Stripe.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Ok<BillingAccountResponse>> Get(
        RequestedBillingAccount requested, BillingDb db, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DescribeAsync(db, requested.Account, time.GetUtcNow(), cancellationToken));

    private static async Task<Ok<ReadinessResponse>> Readiness(
        RequestedBillingAccount requested, BillingDb db, StripeClock clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReadinessCheck.OfAsync(db, requested.Account, await clock.NowAsync(cancellationToken), cancellationToken));

    private static async Task<Ok<List<ReadinessResponse>>> NotReady(BillingDb db, StripeClock clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReadinessCheck.NotReadyAsync(db, await clock.NowAsync(cancellationToken), cancellationToken));

    private static async Task<Ok<List<AccountActionResponse>>> Actions(
        RequestedBillingAccount requested, [AsParameters] ActionsQuery query, BillingDb db, CancellationToken cancellationToken)
    {
        var accountId = requested.Account.Id;
        return TypedResults.Ok(await db.AccountActions
            .Where(a => a.AccountId == accountId)
            .OrderByDescending(a => a.At)
            .Take(query.Limit)
            .Select(a => new AccountActionResponse(a.Action, a.Subject, a.Actor, a.ActorIsStaff, a.At, a.AuthorizationId))
            .ToListAsync(cancellationToken));
    }

    private static async Task<Results<Ok<BillingAccountResponse>, NotFound>> Sync(
        Guid accountId, BillingDb db, AccountSync sync, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = await db.BillingAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        if (account.StripeCustomerId is not null)
        {
            await sync.SyncAsync(account.StripeCustomerId, cancellationToken);
        }

        account = await db.BillingAccounts.AsNoTracking().FirstAsync(a => a.Id == accountId, cancellationToken);
        return TypedResults.Ok(await DescribeAsync(db, account, time.GetUtcNow(), cancellationToken));
    }

    public static AccountActionResponse Describe(AccountAction a) => new(a.Action, a.Subject, a.Actor, a.ActorIsStaff, a.At, a.AuthorizationId);

    private static async Task<Results<Ok<ReconciliationRun>, ProblemHttpResult>> SyncAll(
        StripeReconciliation reconciliation, BillingDb db, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        if (!await reconciliation.RunOnceAsync(cancellationToken))
        {
            return TypedResults.Problem(
                "The reconciliation with Stripe is running already (here or on another instance); its results show shortly.",
                statusCode: StatusCodes.Status409Conflict, title: "Reconciliation running");
        }

        var customers = await db.BillingAccounts.CountAsync(a => a.StripeCustomerId != null, cancellationToken);
        var synced = await db.BillingAccounts.CountAsync(a => a.SyncedAt >= started, cancellationToken);
        return TypedResults.Ok(new ReconciliationRun(started, DateTimeOffset.UtcNow, customers, synced));
    }

    private static async Task<BillingAccountResponse> DescribeAsync(BillingDb db, BillingAccount a, DateTimeOffset now, CancellationToken cancellationToken)
    {
        PayerResponse? payer, next = null;
        if (a.Kind == AccountKind.Organization)
        {
            // An organization pays for itself (and for its companies).
            payer = new PayerResponse(a.Kind, a.Id, a.Name, a.CreatedAt, BilledThrough: false);
        }
        else
        {
            payer = await PayerAsync(db, a, await db.InForceAtAsync(a.Id, now, cancellationToken), cancellationToken);
            var pending = await db.BillingArrangements
                .Where(x => x.CompanyId == a.Id && x.EffectiveFrom > now)
                .OrderByDescending(x => x.EffectiveFrom)
                .FirstOrDefaultAsync(cancellationToken);
            next = pending is null || (pending.PayerKind == payer?.Kind && pending.PayerId == payer.Id)
                ? null
                : await PayerAsync(db, a, pending, cancellationToken);
        }

        return new(a.Id, a.Kind, a.Name, a.StripeCustomerId, a.StripeSubscriptionId, a.DefaultPaymentMethodId, a.Delinquent, a.SyncedAt, payer, next);
    }

    private static async Task<PayerResponse?> PayerAsync(BillingDb db, BillingAccount account, BillingArrangement? arrangement, CancellationToken cancellationToken)
    {
        if (arrangement is null)
        {
            return null;
        }

        var name = arrangement.PayerId == account.Id
            ? account.Name
            : await db.BillingAccounts.Where(x => x.Id == arrangement.PayerId).Select(x => x.Name).FirstOrDefaultAsync(cancellationToken) ?? "";
        return new PayerResponse(arrangement.PayerKind, arrangement.PayerId, name, arrangement.EffectiveFrom, arrangement.PayerId != account.Id);
    }
}
