using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Settings;

/// <summary>
/// A user's choice for one notification type on one channel. Only choices a user (or staff for them)
/// made are stored; every other combination is on, the default.
/// </summary>
public sealed class NotificationSetting
{
    public string UserId { get; init; } = "";

    public NotificationType Type { get; init; }

    public Channel Channel { get; init; }

    public bool Enabled { get; set; }

    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>The user themselves, or the staff member who changed it on their behalf.</summary>
    public string ChangedBy { get; set; } = "";

    public const bool Default = true;
}

internal sealed class NotificationSettingConfiguration : IEntityTypeConfiguration<NotificationSetting>
{
    public void Configure(EntityTypeBuilder<NotificationSetting> setting)
    {
        setting.ToTable("notification_settings");
        setting.HasKey(s => new { s.UserId, s.Type, s.Channel });
        setting.Property(s => s.UserId).HasMaxLength(200);
        setting.Property(s => s.Type).HasConversion(NotificationCatalog.TypeConverter).HasMaxLength(40);
        setting.Property(s => s.Channel).HasConversion(NotificationCatalog.ChannelConverter).HasMaxLength(20);
        setting.Property(s => s.ChangedBy).HasMaxLength(200);
    }
}
