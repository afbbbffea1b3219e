using System.Security.Claims;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.BillingAccounts;

/// <summary>What a caller may do with a billing account's cards and invoices.</summary>
public enum BillingRight
{
    /// <summary>Nothing; the account is answered as not found, so its existence does not leak.</summary>
    None,

    /// <summary>See cards, readiness and invoices.</summary>
    Read,

    /// <summary>Add, choose and remove cards, and retry payments.</summary>
    Manage,
}

/// <summary>
/// Staff may do anything, but act on payment methods only under the customer's staff authorization
/// (<see cref="PaymentMethods.StaffAuthorizationEndpoints"/>). A customer user may read the billing
/// of the accounts they are a member of, and of the companies of an organization they are a member
/// of; owners and billing members manage it.
/// </summary>
public static class BillingAccess
{
    public static async Task<(BillingAccount? Account, BillingRight Right)> FindAccountAsync(
        this BillingDb db, ClaimsPrincipal user, Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.BillingAccounts.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return (null, BillingRight.None);
        }

        if (user.IsStaff())
        {
            return (account, BillingRight.Manage);
        }

        var userId = user.UserId();
        var roles = await db.Members
            .Where(m => m.IsMember && m.UserId == userId
                && ((m.AccountKind == account.Kind && m.AccountId == account.Id)
                    || (account.Kind == AccountKind.Company && m.AccountKind == AccountKind.Organization
                        && db.OrganizationCompanies.Any(o => o.IsMember && o.CompanyId == account.Id && o.OrganizationId == m.AccountId))))
            .Select(m => m.Role)
            .ToListAsync(cancellationToken);
        var right = roles.Count == 0 ? BillingRight.None
            : roles.Any(r => r is MemberRole.Owner or MemberRole.Billing) ? BillingRight.Manage
            : BillingRight.Read;
        return (right == BillingRight.None ? null : account, right);
    }
}

/// <summary>
/// The billing account a request names in its route (<c>{accountId}</c>) and what the caller may do with it, looked up
/// once per request by the route group's <see cref="BillingAccountAccess.RequireBillingAccountAccess"/>.
/// </summary>
public sealed class RequestedBillingAccount
{
    private BillingAccount? _account;

    public BillingAccount Account => _account ?? throw new InvalidOperationException(
        "No billing account was looked up for this request: map the endpoint in a group with RequireBillingAccountAccess().");

    public BillingRight Right { get; private set; }

    /// <summary>The customer's authorization a staff member acts under, on endpoints that require it (card actions).</summary>
    public Guid? StaffAuthorizationId { get; internal set; }

    internal void Found(BillingAccount account, BillingRight right) => (_account, Right) = (account, right);
}

public static class BillingAccountAccess
{
    public static IHostApplicationBuilder AddBillingAccountAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RequestedBillingAccount>();
        return builder;
    }

    /// <summary>
    /// Every endpoint of the group acts on the billing account of its route's <c>{accountId}</c>: the account is looked
    /// up once, before the handler runs, and a caller who may not see it gets 404 (so its existence does not leak), as
    /// <c>RequireAuthorization</c> answers 401. Handlers take <see cref="RequestedBillingAccount"/>.
    /// </summary>
    public static RouteGroupBuilder RequireBillingAccountAccess(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.GetRouteValue("accountId") is not string id || !Guid.TryParse(id, out var accountId))
            {
                return TypedResults.NotFound();
            }

            var (account, right) = await http.RequestServices.GetRequiredService<BillingDb>().FindAccountAsync(http.User, accountId, http.RequestAborted);
            if (account is null)
            {
                return TypedResults.NotFound();
            }

            http.RequestServices.GetRequiredService<RequestedBillingAccount>().Found(account, right);
            return await next(context);
        });
        return group.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound));
    }

    /// <summary>
    /// Only callers who manage the group's billing account reach the endpoint: its owners and billing members, and staff
    /// unless <paramref name="customersOnly"/>. Anyone else who may see the account gets 403 with <paramref name="refusal"/>,
    /// decided before the handler runs, after the group's lookup.
    /// </summary>
    public static RouteHandlerBuilder RequireManageRight(this RouteHandlerBuilder endpoint, string refusal, bool customersOnly = false)
    {
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var requested = context.HttpContext.RequestServices.GetRequiredService<RequestedBillingAccount>();
            return requested.Right != BillingRight.Manage || (customersOnly && context.HttpContext.User.IsStaff())
                ? ApiProblems.Forbidden(refusal)
                : await next(context);
        });
        return endpoint.ProducesProblem(StatusCodes.Status403Forbidden);
    }
}
