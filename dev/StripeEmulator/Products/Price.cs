using System.Globalization;
using System.Text.Json.Serialization;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Products;

internal sealed class Price : StripeObject
{
    public override string Object => "price";

    public bool Active { get; set; } = true;

    public string BillingScheme => "per_unit";

    public long Created { get; init; }

    public required string Currency { get; init; }

    public object? CustomUnitAmount => null;

    public bool Livemode => false;

    public string? LookupKey { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public string? Nickname { get; set; }

    public required string Product { get; init; }

    public Recurring? Recurring { get; init; }

    public string TaxBehavior => "unspecified";

    public string? TiersMode => null;

    public object? TransformQuantity => null;

    public string Type => Recurring is null ? "one_time" : "recurring";

    /// <summary>Integer minor units; null when the amount has sub-cent precision (then only the decimal is set).</summary>
    public long? UnitAmount => decimal.Truncate(UnitAmountExact) == UnitAmountExact ? (long)UnitAmountExact : null;

    /// <summary>Stripe serializes the decimal amount as a string ("499", "0.5").</summary>
    public string UnitAmountDecimal => UnitAmountExact.ToString(CultureInfo.InvariantCulture);

    [JsonIgnore]
    public decimal UnitAmountExact { get; init; }

    [JsonIgnore]
    public bool IsMetered => Recurring?.UsageType == "metered";
}

internal sealed class Recurring
{
    public required string Interval { get; init; }

    public long IntervalCount { get; init; } = 1;

    public string? Meter { get; init; }

    public long? TrialPeriodDays => null;

    public required string UsageType { get; init; }
}
