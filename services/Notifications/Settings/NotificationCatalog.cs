using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Cic.Notifications.Settings;

/// <summary>The billing notifications customers get (the seed's list, and unusual usage). Each can be switched per user and channel.</summary>
public enum NotificationType
{
    InvoiceIssued,
    InvoicePastDue,
    PaymentMethodExpired,
    PaymentRetrySucceeded,
    PaymentRetryFailed,

    /// <summary>A company's hourly calls jumped far above or dropped far below its recent pattern (Usage's UnusualUsageDetected).</summary>
    UnusualUsage,
}

/// <summary>Where a notification reaches the user.</summary>
public enum Channel
{
    /// <summary>The portal's notification feed.</summary>
    InApp,

    /// <summary>An email to the address the user has on the billing account.</summary>
    Email,
}

/// <summary>
/// The names types and channels have in the API and the database (<c>invoice-issued</c>, <c>in-app</c>):
/// kebab-case, so a portal can use them as keys as they are.
/// </summary>
public static class NotificationCatalog
{
    private static readonly Dictionary<NotificationType, string> TypeNames = new()
    {
        [NotificationType.InvoiceIssued] = "invoice-issued",
        [NotificationType.InvoicePastDue] = "invoice-past-due",
        [NotificationType.PaymentMethodExpired] = "payment-method-expired",
        [NotificationType.PaymentRetrySucceeded] = "payment-retry-succeeded",
        [NotificationType.PaymentRetryFailed] = "payment-retry-failed",
        [NotificationType.UnusualUsage] = "unusual-usage",
    };

    private static readonly Dictionary<Channel, string> ChannelNames = new()
    {
        [Channel.InApp] = "in-app",
        [Channel.Email] = "email",
    };

    public static IReadOnlyList<NotificationType> Types { get; } = Enum.GetValues<NotificationType>();

    public static IReadOnlyList<Channel> Channels { get; } = Enum.GetValues<Channel>();

    public static string Name(this NotificationType type) => TypeNames[type];

    public static string Name(this Channel channel) => ChannelNames[channel];

    public static bool TryParseType(string name, out NotificationType type) => TryParse(TypeNames, name, out type);

    public static bool TryParseChannel(string name, out Channel channel) => TryParse(ChannelNames, name, out channel);

    public static string KnownTypes => string.Join(", ", TypeNames.Values);

    public static string KnownChannels => string.Join(", ", ChannelNames.Values);

    /// <summary>Stores a type by its API name, so rows read the same as the API.</summary>
    public static ValueConverter<NotificationType, string> TypeConverter { get; } =
        new(type => TypeNames[type], name => TypeNames.First(pair => pair.Value == name).Key);

    public static ValueConverter<Channel, string> ChannelConverter { get; } =
        new(channel => ChannelNames[channel], name => ChannelNames.First(pair => pair.Value == name).Key);

    private static bool TryParse<T>(Dictionary<T, string> names, string name, out T value) where T : struct, Enum
    {
        foreach (var (key, known) in names)
        {
            if (known == name)
            {
                value = key;
                return true;
            }
        }

        value = default;
        return false;
    }
}
