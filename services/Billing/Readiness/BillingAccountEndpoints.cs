using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Billing.Accounts;
using Cic.Billing.PaymentMethods;
using Cic.Billing.Reconciliation;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Readiness;

/// <param name="StripeCustomerId">The account's Stripe customer (<c>cus_…</c>), once it needed one.</param>
public sealed record BillingAccountResponse(
    Guid Id, AccountKind Kind, string Name, string? StripeCustomerId, string? StripeSubscriptionId,
    string? DefaultPaymentMethodId, bool Delinquent, DateTimeOffset? SyncedAt);

/// <param name="ActorIsStaff">True when staff acted on the customer's behalf.</param>
/// <param name="AuthorizationId">For staff's card actions: the customer's staff authorization they acted under.</param>
public sealed record AccountActionResponse(string Action, string? Subject, string Actor, bool ActorIsStaff, DateTimeOffset At, Guid? AuthorizationId = null);

public sealed record ActionsQuery([property: Range(1, 500)] int Limit = 100);

public static class BillingAccountEndpoints
{
    public static IEndpointRouteBuilder MapBillingAccounts(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/billing-accounts").WithTags("Billing accounts");

        accounts.MapGet("/{accountId:guid}", Get)
            .WithName("GetBillingAccount")
            .WithSummary("A billing account: its Stripe customer, default card and delinquency");

        accounts.MapGet("/{accountId:guid}/readiness", Readiness)
            .WithName("GetBillingReadiness")
            .WithSummary("Whether the account will be billed automatically on the next cycle, and if not, why")
            .WithDescription("Looks at whoever pays for the account's usage in the next cycle: for a company billed through an organization (or switching to one), the organization's customer and card.");

        accounts.MapGet("/not-ready", NotReady)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("ListAccountsNotReady")
            .WithSummary("Every paying account that is not ready for the next cycle (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        accounts.MapGet("/{accountId:guid}/actions", Actions)
            .WithName("ListBillingActions")
            .WithSummary("Who did what to the account's cards and payments, newest first")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        accounts.MapPost("/{accountId:guid}/sync", Sync)
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .WithName("SyncBillingAccount")
            .WithSummary("Re-read the account's customer, cards and invoices from Stripe now (staff)")
            .WithDescription("What the periodic reconciliation does, for one account: repairs anything a missed webhook left behind, and shows refunds and credits made in Stripe.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Ok<BillingAccountResponse>, NotFound>> Get(Guid accountId, BillingDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (account, _) = await db.FindAccountAsync(user, accountId, cancellationToken);
        return account is null ? TypedResults.NotFound() : TypedResults.Ok(Describe(account));
    }

    private static async Task<Results<Ok<ReadinessResponse>, NotFound>> Readiness(
        Guid accountId, BillingDb db, ClaimsPrincipal user, StripeClock clock, CancellationToken cancellationToken)
    {
        var (account, _) = await db.FindAccountAsync(user, accountId, cancellationToken);
        return account is null ? TypedResults.NotFound() : TypedResults.Ok(await ReadinessCheck.OfAsync(db, account, await clock.NowAsync(cancellationToken), cancellationToken));
    }

    private static async Task<Ok<List<ReadinessResponse>>> NotReady(BillingDb db, StripeClock clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReadinessCheck.NotReadyAsync(db, await clock.NowAsync(cancellationToken), cancellationToken));

    private static async Task<Results<Ok<List<AccountActionResponse>>, NotFound>> Actions(
        Guid accountId, [AsParameters] ActionsQuery query, BillingDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (account, _) = await db.FindAccountAsync(user, accountId, cancellationToken);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await db.AccountActions
            .Where(a => a.AccountId == accountId)
            .OrderByDescending(a => a.At)
            .Take(query.Limit)
            .Select(a => new AccountActionResponse(a.Action, a.Subject, a.Actor, a.ActorIsStaff, a.At, a.AuthorizationId))
            .ToListAsync(cancellationToken));
    }

    private static async Task<Results<Ok<BillingAccountResponse>, NotFound>> Sync(
        Guid accountId, BillingDb db, AccountSync sync, CancellationToken cancellationToken)
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
        return TypedResults.Ok(Describe(account));
    }

    public static AccountActionResponse Describe(AccountAction a) => new(a.Action, a.Subject, a.Actor, a.ActorIsStaff, a.At, a.AuthorizationId);

    private static BillingAccountResponse Describe(BillingAccount a) =>
        new(a.Id, a.Kind, a.Name, a.StripeCustomerId, a.StripeSubscriptionId, a.DefaultPaymentMethodId, a.Delinquent, a.SyncedAt);
}
