using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.UsagePush;
using Cic.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cic.Billing.CycleSoFar;

/// <summary>
/// The current billing cycle of an account so far: the calls Usage tallied and those already in Stripe, per day and
/// per company, and what Stripe would invoice if the cycle ended now.
/// </summary>
/// <param name="Payer">Who is invoiced for the account's calls this cycle: the account itself, or the organization a company is billed through; null while Accounts has not said.</param>
/// <param name="CallsTallied">Calls of the cycle's hours as Usage tallied them (the latest count of each hour).</param>
/// <param name="CallsInStripe">Calls of the cycle's hours that Stripe has confirmed receiving.</param>
/// <param name="Charge">Stripe's invoice preview for the payer's subscription; null when Stripe has nothing to invoice or could not be asked (see <paramref name="ChargeUnavailable"/>).</param>
/// <param name="Notes">Why the figures may still move or differ, e.g. calls not yet in Stripe.</param>
/// <param name="Companies">For an organization, each company it pays for this cycle; for a company, itself.</param>
public sealed record CycleSoFarResponse(
    Guid AccountId, AccountKind Kind, string Name, string Cycle, DateTimeOffset CycleStart, DateTimeOffset CycleEnd, DateTimeOffset AsOf,
    CyclePayer? Payer, long CallsTallied, long CallsInStripe, IReadOnlyList<CycleDay> Days,
    EstimatedCharge? Charge, ChargeUnavailable? ChargeUnavailable, IReadOnlyList<ReconciliationFlag> Notes, IReadOnlyList<CycleCompany> Companies);

public sealed record CyclePayer(Guid AccountId, AccountKind Kind, string Name);

/// <summary>One UTC day of the cycle (days without calls are left out).</summary>
public sealed record CycleDay(DateOnly Date, long CallsTallied, long CallsInStripe);

/// <summary>
/// What Stripe would invoice if the cycle ended now, from Stripe's invoice preview at the customer's contracted rate
/// (the platform keeps no price). Amounts are integer minor units of <paramref name="Currency"/>.
/// </summary>
/// <param name="Amount">This account's part: the payer's whole invoice total, or for a company billed through an organization its share of it by calls.</param>
/// <param name="PayerTotal">The payer's invoice total; null when the caller may not see the payer's billing.</param>
/// <param name="PayerAmountDue">What Stripe would charge the payer after its credit balance; null likewise.</param>
/// <param name="CallsOnInvoice">The calls Stripe's preview bills (its usage lines' quantity); null likewise.</param>
/// <param name="Lines">The preview's lines; empty when the caller may not see the payer's billing.</param>
public sealed record EstimatedCharge(
    string Currency, long Amount, long? PayerTotal, long? PayerAmountDue, long? CallsOnInvoice,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, IReadOnlyList<EstimatedLine> Lines);

public sealed record EstimatedLine(string? Description, long? Quantity, long Amount, string? UnitAmountDecimal, string? PriceId);

/// <param name="Code"><c>no_subscription</c> (nothing has reached Stripe for the payer yet, so nothing would be invoiced), <c>no_upcoming_invoice</c> (Stripe will not invoice the subscription again, e.g. it was cancelled) or <c>stripe_unavailable</c>.</param>
public sealed record ChargeUnavailable(string Code, string Message);

/// <param name="EstimatedAmount">The company's share of the payer's preview, in proportion to its calls in Stripe; null without a preview.</param>
public sealed record CycleCompany(Guid CompanyId, string? Name, long CallsTallied, long CallsInStripe, long? EstimatedAmount);

public static class CycleSoFarEndpoints
{
    public static IHostApplicationBuilder AddCycleSoFar(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<CycleSoFarReport>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCycleSoFar(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/billing-accounts/{accountId:guid}").WithTags("Cycle so far").RequireBillingAccountAccess()
            .MapGet("/cycle-so-far", Get)
            .WithName("GetCycleSoFar")
            .WithSummary("This cycle so far: calls tallied per day, calls already in Stripe, and the charge Stripe would make if the cycle ended now")
            .WithDescription("The cycle is the calendar month (UTC) containing now as Stripe sees it. The charge is Stripe's invoice preview for the payer's subscription, "
                + "at the customer's contracted rate as Stripe holds it (a rate changed in Stripe shows at once); for an organization it is divided among its companies "
                + "by their calls in Stripe. Members of the account and staff.");
        return app;
    }

    private static async Task<Ok<CycleSoFarResponse>> Get(
        RequestedBillingAccount requested, CycleSoFarReport report, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        TypedResults.Ok(await report.ReadAsync(requested.Account, user, cancellationToken));
}
