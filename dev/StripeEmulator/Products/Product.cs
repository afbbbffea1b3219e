using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Products;

internal sealed class Product : StripeObject
{
    public override string Object => "product";

    public bool Active { get; set; } = true;

    public long Created { get; init; }

    public string? DefaultPrice { get; set; }

    public string? Description { get; set; }

    public IReadOnlyList<string> Images => [];

    public bool Livemode => false;

    public IReadOnlyList<object> MarketingFeatures => [];

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public required string Name { get; set; }

    public object? PackageDimensions => null;

    public bool? Shippable => null;

    public string? StatementDescriptor => null;

    public string? TaxCode => null;

    public string Type => "service";

    public string? UnitLabel { get; set; }

    public long Updated { get; set; }

    public string? Url => null;
}
