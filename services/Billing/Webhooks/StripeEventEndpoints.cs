using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Webhooks;

/// <summary>Which stored Stripe events to list.</summary>
/// <param name="Status"><c>failed</c> (given up, with Stripe's answer), <c>pending</c> (waiting for an attempt) or <c>processed</c>; default <c>failed</c>.</param>
public sealed record StripeEventQuery(
    string? Status, [property: Range(1, 100_000)] int Page = 1, [property: Range(1, 100)] int PageSize = 25);

/// <summary>A Stripe event as received and what processing it came to.</summary>
public sealed record StripeEventResponse(
    string Id, string Type, string? ObjectId, string? CustomerId, DateTimeOffset CreatedAt, DateTimeOffset ReceivedAt,
    string Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? ProcessedAt, DateTimeOffset? FailedAt);

public sealed record StripeEventPage(IReadOnlyList<StripeEventResponse> Items, int Page, int PageSize, int Total);

public static class StripeEventEndpoints
{
    private const string Failed = "failed";
    private const string Pending = "pending";
    private const string Processed = "processed";

    public static IEndpointRouteBuilder MapStripeEvents(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/stripe/events")
            .WithTags("Stripe")
            .RequireAuthorization(PortalAuthentication.StaffPolicy)
            .MapGet("/", List)
            .WithName("ListStripeEvents")
            .WithSummary("Stripe events received by webhook, newest first (staff): those that can never be processed, with Stripe's answer")
            .WithDescription("An event whose object Stripe does not have (e.g. 'No such customer') or whose request Stripe refuses is not retried: it is kept here as failed with the reason. Pending ones show their attempts and next attempt.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<StripeEventPage>, ValidationProblem>> List(
        [AsParameters] StripeEventQuery query, BillingDb db, CancellationToken cancellationToken)
    {
        var rows = (query.Status ?? Failed) switch
        {
            Failed => db.StripeEvents.Where(e => e.FailedAt != null),
            Pending => db.StripeEvents.Where(e => e.ProcessedAt == null && e.FailedAt == null),
            Processed => db.StripeEvents.Where(e => e.ProcessedAt != null),
            _ => null,
        };
        if (rows is null)
        {
            return ApiProblems.Field("status", $"Give {Failed}, {Pending} or {Processed}.");
        }

        var total = await rows.CountAsync(cancellationToken);
        var items = await rows
            .OrderByDescending(e => e.ReceivedAt).ThenBy(e => e.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new StripeEventPage(items.Select(Describe).ToList(), query.Page, query.PageSize, total));
    }

    private static StripeEventResponse Describe(StripeEvent e) => new(
        e.Id, e.Type, e.ObjectId, e.CustomerId, e.CreatedAt, e.ReceivedAt,
        e.FailedAt is not null ? Failed : e.ProcessedAt is not null ? Processed : Pending,
        e.Attempts, e.LastError, e.ProcessedAt is null && e.FailedAt is null ? e.NextAttemptAt : null, e.ProcessedAt, e.FailedAt);
}
