using System.Globalization;

namespace Cic.Notifications.Notices;

/// <summary>How amounts, dates, cards and decline reasons read in notifications (in English, in UTC).</summary>
public static class Wording
{
    // Stripe's zero-decimal currencies: their amounts are already in whole units.
    private static readonly HashSet<string> ZeroDecimal =
        ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

    /// <summary>An amount in minor units as people read it, e.g. <c>1,234.50 USD</c>.</summary>
    public static string Money(long minorUnits, string? currency)
    {
        var code = (currency ?? "").Trim().ToLowerInvariant();
        var amount = ZeroDecimal.Contains(code)
            ? minorUnits.ToString("N0", CultureInfo.InvariantCulture)
            : (minorUnits / 100m).ToString("N2", CultureInfo.InvariantCulture);
        return code.Length == 0 ? amount : $"{amount} {code.ToUpperInvariant()}";
    }

    /// <summary>A day, e.g. <c>10 November 2026</c>.</summary>
    public static string Day(DateTimeOffset moment) =>
        moment.UtcDateTime.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>The last day of a period whose end is exclusive, as Stripe's are.</summary>
    public static string LastDay(DateTimeOffset exclusiveEnd) => Day(exclusiveEnd.AddTicks(-1));

    public static string Month(int month, int year) =>
        new DateTime(year, Math.Clamp(month, 1, 12), 1, 0, 0, 0, DateTimeKind.Utc).ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>A card as customers recognise it, e.g. <c>Visa card ending in 4242</c>.</summary>
    public static string Card(string? brand, string last4) => $"{Brand(brand)} ending in {last4}";

    private static string Brand(string? brand) => (brand ?? "").ToLowerInvariant() switch
    {
        "visa" => "Visa card",
        "mastercard" => "Mastercard",
        "amex" => "American Express card",
        "discover" => "Discover card",
        "diners" => "Diners Club card",
        "jcb" => "JCB card",
        "unionpay" => "UnionPay card",
        "" or "unknown" => "card",
        var other => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(other) + " card",
    };

    /// <summary>Stripe's decline code in words, e.g. <c>expired_card</c> → <c>the card has expired</c>.</summary>
    public static string? DeclineReason(string? code) => code switch
    {
        null or "" => null,
        "expired_card" => "the card has expired",
        "card_declined" or "generic_decline" or "do_not_honor" => "the card was declined",
        "insufficient_funds" => "the card has insufficient funds",
        "incorrect_cvc" or "invalid_cvc" => "the card's security code was wrong",
        "lost_card" or "stolen_card" => "the card was reported lost or stolen",
        "authentication_required" => "the bank asked for the card holder's authentication",
        "processing_error" => "the card could not be processed",
        _ => code.Replace('_', ' '),
    };
}
