using System.Text.Json.Serialization;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.PaymentMethods;

internal sealed class PaymentMethod : StripeObject
{
    public override string Object => "payment_method";

    public string AllowRedisplay => "unspecified";

    public BillingDetails BillingDetails { get; } = new();

    public required Card Card { get; init; }

    public long Created { get; init; }

    public string? Customer { get; set; }

    public object? CustomerAccount => null;

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public string Type => "card";

    /// <summary>How charges on this card end; set from the test card it was made from, or by a control endpoint.</summary>
    [JsonIgnore]
    public CardFailure? ChargeFailure { get; set; }

    /// <summary>Set for test cards that are declined as soon as they are attached or set up (they never get saved).</summary>
    [JsonIgnore]
    public CardFailure? AttachFailure { get; init; }

    /// <summary>Stripe forbids re-attaching a detached PaymentMethod.</summary>
    [JsonIgnore]
    public bool Detached { get; set; }
}

internal sealed class BillingDetails
{
    public Address Address { get; } = new();

    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Phone { get; set; }

    public object? TaxId => null;
}

internal sealed class Card
{
    public required string Brand { get; set; }

    public CardChecks Checks { get; } = new();

    public string Country { get; set; } = "US";

    public string DisplayBrand => Brand;

    public long ExpMonth { get; set; }

    public long ExpYear { get; set; }

    public required string Fingerprint { get; set; }

    public required string Funding { get; set; }

    public object? GeneratedFrom => null;

    public required string Last4 { get; set; }

    public CardNetworks Networks => new() { Available = [Brand] };

    public string RegulatedStatus => "unregulated";

    public ThreeDSecureUsage ThreeDSecureUsage { get; } = new();

    public object? Wallet => null;
}

internal sealed class CardChecks
{
    public string? AddressLine1Check => null;

    public string? AddressPostalCodeCheck => null;

    public string? CvcCheck => "pass";
}

internal sealed class CardNetworks
{
    public required IReadOnlyList<string> Available { get; init; }

    public string? Preferred => null;
}

internal sealed class ThreeDSecureUsage
{
    public bool Supported => true;
}

/// <summary>A card decline as Stripe reports it: error <c>code</c> plus the issuer's <c>decline_code</c>.</summary>
internal sealed record CardFailure(string Code, string DeclineCode, string Message)
{
    public static CardFailure Generic { get; } = new("card_declined", "generic_decline", "Your card was declined.");

    public static CardFailure Expired { get; } = new("expired_card", "expired_card", "Your card has expired.");
}
