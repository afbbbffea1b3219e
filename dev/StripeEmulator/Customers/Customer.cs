using System.Text.Json.Serialization;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Customers;

internal sealed class Customer : StripeObject
{
    public override string Object => "customer";

    public Address? Address { get; set; }

    /// <summary>Negative = credit the customer holds (from credit notes), applied to the next invoices.</summary>
    public long Balance { get; set; }

    public long Created { get; init; }

    public string? Currency { get; set; }

    public string? DefaultSource => null;

    public bool Delinquent { get; set; }

    public string? Description { get; set; }

    public object? Discount => null;

    public string? Email { get; set; }

    public required string InvoicePrefix { get; init; }

    public CustomerInvoiceSettings InvoiceSettings { get; } = new();

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public string? Name { get; set; }

    public long NextInvoiceSequence { get; set; } = 1;

    public string? Phone { get; set; }

    public IReadOnlyList<string> PreferredLocales => [];

    public object? Shipping => null;

    public string TaxExempt => "none";

    public string? TestClock { get; init; }

    public object? CustomerAccount => null;

    [JsonIgnore]
    public bool Deleted { get; set; }
}

internal sealed class CustomerInvoiceSettings
{
    public object? CustomFields => null;

    public string? DefaultPaymentMethod { get; set; }

    public string? Footer => null;

    public object? RenderingOptions => null;
}
