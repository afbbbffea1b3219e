using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Readiness;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.PaymentMethods;

/// <param name="ExpiresAt">When the authorization stops by itself (UTC, in the future); omitted: until revoked.</param>
public sealed record GrantStaffAuthorization(DateTimeOffset? ExpiresAt);

/// <param name="Current">Whether staff may act under it now (not revoked, not expired).</param>
/// <param name="Actions">What staff did under it, newest first.</param>
public sealed record StaffAuthorizationResponse(
    Guid Id, Guid AccountId, string GrantedBy, DateTimeOffset GrantedAt, DateTimeOffset? ExpiresAt,
    string? RevokedBy, DateTimeOffset? RevokedAt, bool Current, List<AccountActionResponse> Actions);

/// <summary>
/// The customer's side of "add it on their behalf if they've authorized you to": owners and billing
/// members grant CIC staff the right to manage the account's payment methods, and revoke it.
/// </summary>
public static class StaffAuthorizationEndpoints
{
    public static IEndpointRouteBuilder MapStaffAuthorizations(this IEndpointRouteBuilder app)
    {
        var authorizations = app.MapGroup("/billing-accounts/{accountId:guid}/staff-authorizations").WithTags("Staff authorizations").RequireBillingAccountAccess();

        authorizations.MapPost("/", Grant)
            .WithName("AuthorizeStaff")
            .WithSummary("Authorize CIC staff to manage the account's payment methods on its behalf")
            .WithDescription("Owners and billing members only (staff cannot authorize themselves). Optionally until expiresAt; revoke it with DELETE. While one is current, staff may start a card form, choose the default card and remove cards; each such action names the authorization.")
            .ProducesValidationProblem()
            .RequireManageRight("Only the account's owners and billing members authorize CIC staff.", customersOnly: true);

        authorizations.MapGet("/", List)
            .WithName("ListStaffAuthorizations")
            .WithSummary("The account's staff authorizations, newest first, each with the actions staff took under it");

        authorizations.MapDelete("/{authorizationId:guid}", Revoke)
            .WithName("RevokeStaffAuthorization")
            .WithSummary("Revoke a staff authorization: staff are refused from now on")
            .WithDescription("Owners and billing members only. Revoking an authorization already revoked or expired changes nothing.")
            .RequireManageRight("Only the account's owners and billing members revoke a staff authorization.", customersOnly: true);

        return app;
    }

    /// <summary>The authorization staff act under on the account now, if any (the most recently granted).</summary>
    public static Task<StaffAuthorization?> CurrentAsync(BillingDb db, Guid accountId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.StaffAuthorizations
            .Where(a => a.AccountId == accountId && a.RevokedAt == null && (a.ExpiresAt == null || a.ExpiresAt > now))
            .OrderByDescending(a => a.GrantedAt)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Only callers who may manage the group's billing account's cards reach the endpoint: customers by their role,
    /// staff only under a current authorization, whose id the handler finds in
    /// <see cref="RequestedBillingAccount.StaffAuthorizationId"/> so the action records it. Others get 403 saying they may
    /// not do <paramref name="what"/>.
    /// </summary>
    public static RouteHandlerBuilder RequireCardRight(this RouteHandlerBuilder endpoint, string what)
    {
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var requested = http.RequestServices.GetRequiredService<RequestedBillingAccount>();
            var (refusal, authorizationId) = await CheckCardRightAsync(
                http.RequestServices.GetRequiredService<BillingDb>(), http.User, requested.Account, requested.Right,
                http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), what, http.RequestAborted);
            if (refusal is not null)
            {
                return refusal;
            }

            requested.StaffAuthorizationId = authorizationId;
            return await next(context);
        });
        return endpoint.ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task<(ProblemHttpResult? Refusal, Guid? AuthorizationId)> CheckCardRightAsync(
        BillingDb db, ClaimsPrincipal user, BillingAccount account, BillingRight right, DateTimeOffset now, string what, CancellationToken cancellationToken)
    {
        if (right != BillingRight.Manage)
        {
            return (ApiProblems.Forbidden($"Only the account's owners and billing members, or staff they authorized, {what}."), null);
        }

        if (!user.IsStaff())
        {
            return (null, null);
        }

        var authorization = await CurrentAsync(db, account.Id, now, cancellationToken);
        return authorization is null
            ? (ApiProblems.Forbidden($"The customer has not authorized CIC staff to manage the payment methods of {account.Name} (or the authorization was revoked or expired): staff may not {what} until an owner or billing member grants it (POST /billing-accounts/{account.Id}/staff-authorizations)."), null)
            : (null, authorization.Id);
    }

    private static async Task<Results<Created<StaffAuthorizationResponse>, ValidationProblem>> Grant(
        Guid accountId, [FromBody] GrantStaffAuthorization? request, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (request?.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            return ApiProblems.Field("expiresAt", "Must be in the future (or omitted for an authorization that lasts until revoked).");
        }

        var authorization = new StaffAuthorization
        {
            Id = Guid.NewGuid(),
            AccountId = accountId,
            GrantedBy = user.UserId(),
            GrantedAt = now,
            ExpiresAt = request?.ExpiresAt?.ToUniversalTime(),
        };
        db.StaffAuthorizations.Add(authorization);
        db.RecordAction(accountId, "staff_authorized", authorization.Id.ToString(), user, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/billing-accounts/{accountId}/staff-authorizations", Describe(authorization, [], now));
    }

    private static async Task<Results<Ok<List<StaffAuthorizationResponse>>, NotFound>> List(
        Guid accountId, RequestedBillingAccount requested, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = requested.Account;

        var authorizations = await db.StaffAuthorizations.Where(a => a.AccountId == accountId).OrderByDescending(a => a.GrantedAt).ToListAsync(cancellationToken);
        var actions = (await db.AccountActions
                .Where(a => a.AccountId == accountId && a.AuthorizationId != null)
                .OrderByDescending(a => a.At)
                .ToListAsync(cancellationToken))
            .ToLookup(a => a.AuthorizationId);
        var now = time.GetUtcNow();
        return TypedResults.Ok(authorizations
            .Select(a => Describe(a, actions[a.Id].Select(BillingAccountEndpoints.Describe).ToList(), now))
            .ToList());
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(
        Guid accountId, Guid authorizationId, BillingDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var authorization = await db.StaffAuthorizations.FirstOrDefaultAsync(a => a.Id == authorizationId && a.AccountId == accountId, cancellationToken);
        if (authorization is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        if (authorization.IsCurrentAt(now))
        {
            authorization.RevokedAt = now;
            authorization.RevokedBy = user.UserId();
            db.RecordAction(accountId, "staff_authorization_revoked", authorization.Id.ToString(), user, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.NoContent();
    }

    private static StaffAuthorizationResponse Describe(StaffAuthorization a, List<AccountActionResponse> actions, DateTimeOffset now) =>
        new(a.Id, a.AccountId, a.GrantedBy, a.GrantedAt, a.ExpiresAt, a.RevokedBy, a.RevokedAt, a.IsCurrentAt(now), actions);
}
