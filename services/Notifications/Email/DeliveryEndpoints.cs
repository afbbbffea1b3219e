using System.ComponentModel.DataAnnotations;
using Cic.Notifications.Settings;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications.Email;

/// <summary>Which deliveries to list: <c>pending</c>, <c>sent</c> or <c>failed</c>; without a status, those not sent.</summary>
public sealed record DeliveryQuery(
    string? Status,
    string? UserId,
    [property: Range(1, 100_000)] int Page = 1,
    [property: Range(1, 100)] int PageSize = 25)
{
    public int Skip => (Page - 1) * PageSize;
}

public sealed record EmailDeliveryResponse(
    Guid Id,
    Guid EventId,
    [property: AllowedValues("invoice-issued", "invoice-past-due", "payment-method-expired", "payment-retry-succeeded", "payment-retry-failed")] string Type,
    string UserId,
    string To,
    string Subject,
    string Status,
    int Attempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? FailedAt,
    string MessageId);

public sealed record DeliveryPage(IReadOnlyList<EmailDeliveryResponse> Items, int Page, int PageSize, int Total);

public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapEmailDeliveries(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/email-deliveries")
            .WithTags("Email deliveries")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);

        deliveries.MapGet("/", List)
            .WithName("ListEmailDeliveries")
            .WithSummary("Notification emails by status, newest first (staff): failed ones with their reason, pending ones with their attempts")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        deliveries.MapPost("/{id:guid}/retry", Retry)
            .WithName("RetryEmailDelivery")
            .WithSummary("Send a failed email again, e.g. after its address was corrected at the mail server (staff)")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Results<Ok<DeliveryPage>, ValidationProblem>> List(
        [AsParameters] DeliveryQuery query, NotificationsDb db, CancellationToken cancellationToken)
    {
        var rows = db.EmailDeliveries.AsQueryable();
        if (query.Status is null)
        {
            rows = rows.Where(d => d.Status != DeliveryStatus.Sent);
        }
        else if (Enum.TryParse<DeliveryStatus>(query.Status, ignoreCase: true, out var status) && !int.TryParse(query.Status, out _))
        {
            rows = rows.Where(d => d.Status == status);
        }
        else
        {
            return ApiProblems.Field("status", "Give pending, sent or failed.");
        }

        if (!string.IsNullOrEmpty(query.UserId))
        {
            rows = rows.Where(d => d.UserId == query.UserId);
        }

        var total = await rows.CountAsync(cancellationToken);
        var page = await rows
            .OrderByDescending(d => d.CreatedAt).ThenBy(d => d.Id)
            .Skip(query.Skip).Take(query.PageSize)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new DeliveryPage(page.Select(Describe).ToList(), query.Page, query.PageSize, total));
    }

    private static async Task<Results<Ok<EmailDeliveryResponse>, NotFound, ProblemHttpResult>> Retry(
        Guid id, NotificationsDb db, TimeProvider time, CancellationToken cancellationToken)
    {
        var delivery = await db.EmailDeliveries.FindAsync([id], cancellationToken);
        if (delivery is null)
        {
            return TypedResults.NotFound();
        }

        if (delivery.Status != DeliveryStatus.Failed)
        {
            return ApiProblems.Conflict($"Only a failed email can be retried; this one is {Name(delivery.Status)}.");
        }

        // A fresh round of attempts; the Message-Id stays, so it is still recognisably the same email.
        delivery.Status = DeliveryStatus.Pending;
        delivery.Attempts = 0;
        delivery.FailedAt = null;
        delivery.NextAttemptAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(Describe(delivery));
    }

    private static EmailDeliveryResponse Describe(EmailDelivery d) => new(
        d.Id, d.EventId, d.Type.Name(), d.UserId, d.ToAddress, d.Subject, Name(d.Status), d.Attempts, d.LastError,
        d.CreatedAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.SentAt, d.FailedAt, d.MessageId);

    private static string Name(DeliveryStatus status) => status.ToString().ToLowerInvariant();
}
