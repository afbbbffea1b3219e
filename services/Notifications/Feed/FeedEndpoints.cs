using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.Contracts;
using Cic.Notifications.Settings;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications.Feed;

/// <summary>A page of the caller's feed, newest first; <paramref name="Unread"/> true lists only unread ones.</summary>
public sealed record FeedQuery(
    bool? Unread,
    [property: Range(1, 100_000)] int Page = 1,
    [property: Range(1, 100)] int PageSize = 25)
{
    public int Skip => (Page - 1) * PageSize;
}

public sealed record NotificationResponse(
    Guid Id,
    [property: AllowedValues("invoice-issued", "invoice-past-due", "payment-method-expired", "payment-retry-succeeded", "payment-retry-failed")] string Type,
    AccountKind AccountKind,
    Guid AccountId,
    string AccountName,
    string Title,
    string Summary,
    string? Link,
    DateTimeOffset OccurredAt,
    DateTimeOffset? ReadAt);

/// <param name="Total">How many entries match the query (for page numbers).</param>
/// <param name="Unread">How many of the caller's entries are unread, whatever the query.</param>
public sealed record FeedPage(IReadOnlyList<NotificationResponse> Items, int Page, int PageSize, int Total, int Unread);

public sealed record UnreadCount(int Unread);

public sealed record MarkedRead(int Marked);

public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeed(this IEndpointRouteBuilder app)
    {
        var feed = app.MapGroup("/me/notifications").WithTags("Notification feed");

        feed.MapGet("/", List)
            .WithName("ListMyNotifications")
            .WithSummary("The calling user's in-app notifications, newest first, optionally only unread ones");

        feed.MapGet("/unread-count", Unread)
            .WithName("CountMyUnreadNotifications")
            .WithSummary("How many of the calling user's notifications are unread");

        feed.MapPost("/{id:guid}/read", MarkRead)
            .WithName("MarkNotificationRead")
            .WithSummary("Mark one of the calling user's notifications read (again is fine)");

        feed.MapPost("/read-all", MarkAllRead)
            .WithName("MarkAllNotificationsRead")
            .WithSummary("Mark every unread notification of the calling user read");

        return app;
    }

    private static async Task<Ok<FeedPage>> List(
        [AsParameters] FeedQuery query, NotificationsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var mine = db.Notifications.Where(n => n.UserId == userId);
        var listed = query.Unread is true ? mine.Where(n => n.ReadAt == null)
            : query.Unread is false ? mine.Where(n => n.ReadAt != null)
            : mine;

        var total = await listed.CountAsync(cancellationToken);
        var rows = await listed
            .OrderByDescending(n => n.OccurredAt).ThenByDescending(n => n.Id)
            .Skip(query.Skip).Take(query.PageSize)
            .ToListAsync(cancellationToken);
        var unread = await mine.CountAsync(n => n.ReadAt == null, cancellationToken);
        return TypedResults.Ok(new FeedPage(rows.Select(Describe).ToList(), query.Page, query.PageSize, total, unread));
    }

    private static async Task<Ok<UnreadCount>> Unread(NotificationsDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        return TypedResults.Ok(new UnreadCount(
            await db.Notifications.CountAsync(n => n.UserId == userId && n.ReadAt == null, cancellationToken)));
    }

    private static async Task<Results<NoContent, NotFound>> MarkRead(
        Guid id, NotificationsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        // Someone else's notification is answered as not found, so its existence does not leak.
        var notification = await db.Notifications.FirstOrDefaultAsync(n => n.Id == id && n.UserId == userId, cancellationToken);
        if (notification is null)
        {
            return TypedResults.NotFound();
        }

        if (notification.ReadAt is null)
        {
            notification.ReadAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Ok<MarkedRead>> MarkAllRead(NotificationsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var now = time.GetUtcNow();
        var marked = await db.Notifications
            .Where(n => n.UserId == userId && n.ReadAt == null)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.ReadAt, now), cancellationToken);
        return TypedResults.Ok(new MarkedRead(marked));
    }

    private static NotificationResponse Describe(Notification n) => new(
        n.Id, n.Type.Name(), n.AccountKind, n.AccountId, n.AccountName, n.Title, n.Summary, n.Link, n.OccurredAt, n.ReadAt);
}
