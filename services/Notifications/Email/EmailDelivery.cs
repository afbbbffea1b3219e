using System.Security.Cryptography;
using System.Text;
using Cic.Notifications.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Email;

public enum DeliveryStatus
{
    /// <summary>Waiting to be sent, or to be tried again after a transient failure.</summary>
    Pending,

    /// <summary>The SMTP server accepted it.</summary>
    Sent,

    /// <summary>Given up: rejected for good, or still failing after the last attempt. Staff see these.</summary>
    Failed,
}

/// <summary>
/// One email to one user about one billing event, written with the event's other effects and sent
/// later by <see cref="EmailSender"/>. At most one per (event, user): the email channel's exactly-once key.
/// </summary>
public sealed class EmailDelivery
{
    /// <summary>Derived from (event, user), so the same delivery always has the same id and Message-Id.</summary>
    public Guid Id { get; init; }

    public Guid EventId { get; init; }

    public string UserId { get; init; } = "";

    public NotificationType Type { get; init; }

    public string ToAddress { get; init; } = "";

    public string ToName { get; init; } = "";

    public string Subject { get; init; } = "";

    /// <summary>The plain-text body, complete with greeting and footer.</summary>
    public string Body { get; init; } = "";

    /// <summary>
    /// The Message-Id every attempt carries, so a message sent twice (a crash between the server
    /// accepting it and recording that) is recognisable as one by mail servers and people.
    /// </summary>
    public string MessageId { get; init; } = "";

    public DeliveryStatus Status { get; set; }

    /// <summary>Attempts made so far, successful or not.</summary>
    public int Attempts { get; set; }

    /// <summary>When the sender may try (again); it looks only at pending deliveries due by now.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset? FailedAt { get; set; }

    /// <summary>The delivery id of (event, user): a name-based UUID, so it is the same however often it is computed.</summary>
    public static Guid IdFor(Guid eventId, string userId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"email|{eventId:N}|{userId}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5-style: name-based
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}

internal sealed class EmailDeliveryConfiguration : IEntityTypeConfiguration<EmailDelivery>
{
    public void Configure(EntityTypeBuilder<EmailDelivery> delivery)
    {
        delivery.ToTable("email_deliveries");
        delivery.HasKey(d => d.Id);
        delivery.HasIndex(d => new { d.EventId, d.UserId }).IsUnique();
        // The sender only ever looks for due pending deliveries; staff list by status.
        delivery.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'pending'").HasDatabaseName("ix_email_deliveries_due");
        delivery.HasIndex(d => new { d.Status, d.CreatedAt });
        delivery.Property(d => d.UserId).HasMaxLength(200);
        delivery.Property(d => d.Type).HasConversion(NotificationCatalog.TypeConverter).HasMaxLength(40);
        delivery.Property(d => d.ToAddress).HasMaxLength(320);
        delivery.Property(d => d.ToName).HasMaxLength(200);
        delivery.Property(d => d.Subject).HasMaxLength(500);
        delivery.Property(d => d.MessageId).HasMaxLength(200);
        delivery.Property(d => d.Status)
            .HasConversion(s => s.ToString().ToLowerInvariant(), s => Enum.Parse<DeliveryStatus>(s, true))
            .HasMaxLength(20);
        delivery.Property(d => d.LastError).HasMaxLength(2000);
    }
}
