using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.Stripe;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// What the portal needs to run Stripe's card form: the SetupIntent's client secret and the publishable
/// key. The card number goes from the form straight to Stripe; the platform learns of the saved card
/// from Stripe afterwards.
/// </summary>
public sealed record CardSetupResponse(string SetupIntentId, string ClientSecret, string? PublishableKey, string StripeCustomerId);

/// <param name="IsDefault">Whether Stripe charges new invoices to it (the customer's <c>invoice_settings.default_payment_method</c>).</param>
/// <param name="Expired">Past its expiry month.</param>
/// <param name="ExpiresBeforeNextCycle">It will have expired when the next billing cycle starts (or already has).</param>
/// <param name="AddedBy">Who started the card form that saved it, when it came through the portal.</param>
/// <param name="AddedByStaff">True when staff added it on the customer's behalf.</param>
public sealed record CardResponse(
    string Id,
    [property: AllowedValues("amex", "cartes_bancaires", "diners", "discover", "eftpos_au", "interac", "jcb", "link", "mastercard", "unionpay", "visa", "unknown")] string Brand,
    string Last4, int ExpMonth, int ExpYear, bool IsDefault, bool Expired, bool ExpiresBeforeNextCycle,
    DateTimeOffset CreatedAt, string? AddedBy, bool AddedByStaff);

/// <param name="NewDefaultPaymentMethodId">When removing the default card while others remain: the card to charge from now on.</param>
public sealed record RemoveCardQuery([property: StringLength(255)] string? NewDefaultPaymentMethodId);

public static class PaymentMethodEndpoints
{
    /// <summary>Cards are learned from Stripe only, through <see cref="CardSync"/>, and changed through <see cref="CardChanges"/>.</summary>
    public static IHostApplicationBuilder AddPaymentMethods(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<CardSync>();
        builder.Services.AddScoped<CardChanges>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPaymentMethods(this IEndpointRouteBuilder app)
    {
        var cards = app.MapGroup("/billing-accounts/{accountId:guid}/payment-methods").WithTags("Payment methods").RequireBillingAccountAccess();

        cards.MapGet("/", List)
            .WithName("ListPaymentMethods")
            .WithSummary("The account's cards on file, the default first")
            .WithDescription("As Stripe last reported them (webhooks and reconciliation). Only brand, last four digits and expiry are known to the platform.");

        cards.MapPost("/setup", StartSetup)
            .WithName("StartAddingCard")
            .WithSummary("Start adding a card: a SetupIntent for Stripe's card form")
            .WithDescription("Creates the account's Stripe customer the first time (never by hand), then a SetupIntent for off-session use. The portal passes the client secret and the publishable key to Stripe.js; the card is listed once Stripe reports it. Staff may do this on a customer's behalf only under a current staff authorization of the account (else 403); the action records it.")
            .RequireCardRight("add cards");

        cards.MapPost("/{paymentMethodId}/default", MakeDefault)
            .WithName("MakeCardDefault")
            .WithSummary("Make a card the one Stripe charges for new invoices")
            .WithDescription("Staff need a current staff authorization of the account (else 403); the action records it.")
            .RequireCardRight("choose the default card");

        cards.MapDelete("/{paymentMethodId}", Remove)
            .WithName("RemoveCard")
            .WithSummary("Remove a card from the account")
            .WithDescription("Removing the default card while other cards remain requires naming the new default (newDefaultPaymentMethodId). Staff need a current staff authorization of the account (else 403); the action records it.")
            .RequireCardRight("remove cards");

        return app;
    }

    private static async Task<Results<Ok<List<CardResponse>>, NotFound>> List(
        Guid accountId, RequestedBillingAccount requested, BillingDb db, ClaimsPrincipal user, StripeClock clock, CancellationToken cancellationToken)
    {
        var account = requested.Account;

        var cards = await db.Cards.Where(c => c.AccountId == accountId && c.DetachedAt == null).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        var now = await clock.NowAsync(cancellationToken); // cards expire by the customer's Stripe clock
        return TypedResults.Ok(cards
            .Select(c => Describe(c, account, now))
            .OrderByDescending(c => c.IsDefault)
            .ToList());
    }

    private static async Task<Ok<CardSetupResponse>> StartSetup(
        Guid accountId, RequestedBillingAccount requested, CardChanges changes, IOptions<StripeOptions> options,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (intent, customerId) = await changes.StartSetupAsync(accountId, user, requested.StaffAuthorizationId, cancellationToken);
        return TypedResults.Ok(new CardSetupResponse(intent.Id, intent.ClientSecret, options.Value.PublishableKey, customerId));
    }

    private static async Task<Results<Ok<CardResponse>, NotFound>> MakeDefault(
        RequestedBillingAccount requested, string paymentMethodId, CardSync sync, CardChanges changes,
        ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = requested.Account;
        if (await sync.ActiveCardAsync(account, paymentMethodId, cancellationToken) is not { } card)
        {
            return TypedResults.NotFound();
        }

        account = await changes.MakeDefaultAsync(account, card, user, requested.StaffAuthorizationId, cancellationToken);
        return TypedResults.Ok(Describe(card, account, time.GetUtcNow()));
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> Remove(
        RequestedBillingAccount requested, string paymentMethodId, [AsParameters] RemoveCardQuery query, BillingDb db, CardSync sync, CardChanges changes,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var account = requested.Account;
        if (await sync.ActiveCardAsync(account, paymentMethodId, cancellationToken) is not { } card)
        {
            return TypedResults.NotFound();
        }

        var others = await db.Cards.Where(c => c.AccountId == account.Id && c.DetachedAt == null && c.Id != card.Id).Select(c => c.Id).ToListAsync(cancellationToken);
        var newDefault = query.NewDefaultPaymentMethodId;
        if (card.Id == account.DefaultPaymentMethodId && others.Count > 0 && newDefault is null)
        {
            return ApiProblems.Field(nameof(RemoveCardQuery.NewDefaultPaymentMethodId).ToCamelCase(),
                $"This is the default card and the account has others; name the new default, one of: {string.Join(", ", others)}.");
        }

        if (newDefault is not null && !others.Contains(newDefault))
        {
            return ApiProblems.Field(nameof(RemoveCardQuery.NewDefaultPaymentMethodId).ToCamelCase(),
                $"'{newDefault}' is not another card of this account.");
        }

        await changes.RemoveAsync(account, card, newDefault, user, requested.StaffAuthorizationId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static CardResponse Describe(Card card, BillingAccount account, DateTimeOffset now) => new(
        card.Id, card.Brand, card.Last4, card.ExpMonth, card.ExpYear,
        IsDefault: card.Id == account.DefaultPaymentMethodId,
        Expired: card.IsExpiredAt(now),
        ExpiresBeforeNextCycle: card.ExpiresBeforeNextCycle(now),
        card.CreatedAt, card.AddedBy, card.AddedByStaff);

    private static string ToCamelCase(this string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
