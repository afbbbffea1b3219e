using Cic.Contracts;
using Cic.Notifications.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Feed;

/// <summary>
/// One entry of a user's in-app feed: what happened to which billing account, in words, with a link
/// to act on it. At most one per (event, user): the in-app channel's exactly-once key.
/// </summary>
public sealed class Notification
{
    public Guid Id { get; init; }

    public string UserId { get; init; } = "";

    /// <summary>The billing event that caused it.</summary>
    public Guid EventId { get; init; }

    public NotificationType Type { get; init; }

    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The account's name when the notification was made.</summary>
    public string AccountName { get; init; } = "";

    public string Title { get; init; } = "";

    public string Summary { get; init; } = "";

    /// <summary>Where to act: the hosted invoice, or the portal's payment methods page.</summary>
    public string? Link { get; init; }

    /// <summary>When the event happened, which orders the feed.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ReadAt { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> notification)
    {
        notification.ToTable("notifications");
        notification.HasKey(n => n.Id);
        notification.HasIndex(n => new { n.EventId, n.UserId }).IsUnique();
        notification.HasIndex(n => new { n.UserId, n.OccurredAt });
        // The unread count is asked for on every portal page; keep its index to unread rows.
        notification.HasIndex(n => n.UserId).HasFilter("read_at IS NULL").HasDatabaseName("ix_notifications_unread");
        notification.Property(n => n.UserId).HasMaxLength(200);
        notification.Property(n => n.Type).HasConversion(NotificationCatalog.TypeConverter).HasMaxLength(40);
        notification.Property(n => n.AccountKind).HasConversion<string>().HasMaxLength(20);
        notification.Property(n => n.AccountName).HasMaxLength(200);
        notification.Property(n => n.Title).HasMaxLength(500);
        notification.Property(n => n.Summary).HasMaxLength(2000);
        notification.Property(n => n.Link).HasMaxLength(2000);
    }
}
