using System.Text.Json.Serialization;
using Cic.StripeEmulator.Products;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Subscriptions;

internal sealed class Subscription : StripeObject
{
    public override string Object => "subscription";

    public string? Application => null;

    public decimal? ApplicationFeePercent => null;

    public object AutomaticTax => new { enabled = false, liability = (object?)null, disabled_reason = (string?)null };

    public long BillingCycleAnchor { get; set; }

    public object? BillingCycleAnchorConfig => null;

    public object BillingMode => new { type = "classic", flexible = (object?)null };

    public IReadOnlyList<object> BillingSchedules => [];

    public object? BillingThresholds => null;

    public long? CancelAt { get; set; }

    public bool CancelAtPeriodEnd { get; set; }

    public long? CanceledAt { get; set; }

    public CancellationDetails CancellationDetails { get; } = new();

    public required string CollectionMethod { get; init; }

    public long Created { get; init; }

    public required string Currency { get; init; }

    public required string Customer { get; init; }

    public object? CustomerAccount => null;

    public long? DaysUntilDue { get; init; }

    public string? DefaultPaymentMethod { get; set; }

    public string? DefaultSource => null;

    public IReadOnlyList<object> DefaultTaxRates => [];

    public string? Description { get; set; }

    public IReadOnlyList<object> Discounts => [];

    public long? EndedAt { get; set; }

    public object InvoiceSettings => new { account_tax_ids = (object?)null, issuer = new { type = "self" } };

    public ListObject<SubscriptionItem> Items => new(ItemList, false, $"/v1/subscription_items?subscription={Id}");

    public string? LatestInvoice { get; set; }

    public bool Livemode => false;

    public object? ManagedPayments => null;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public long? NextPendingInvoiceItemInvoice => null;

    public string? OnBehalfOf => null;

    public object? PauseCollection => null;

    public object PaymentSettings => new { payment_method_options = (object?)null, payment_method_types = (object?)null, save_default_payment_method = "off" };

    public object? PendingInvoiceItemInterval => null;

    public string? PendingSetupIntent => null;

    public object? PendingUpdate => null;

    public string? Schedule => null;

    public long StartDate { get; init; }

    public required string Status { get; set; }

    public object? StatusDetails => null;

    public string? TestClock { get; init; }

    public object? TransferData => null;

    public long? TrialEnd => null;

    public object TrialSettings => new { end_behavior = new { missing_payment_method = "create_invoice" } };

    public long? TrialStart => null;

    [JsonIgnore]
    public List<SubscriptionItem> ItemList { get; } = [];

    /// <summary>Whether renewals still happen (Stripe keeps invoicing past_due and unpaid subscriptions).</summary>
    [JsonIgnore]
    public bool IsLive => Status is "active" or "past_due" or "unpaid" or "trialing";
}

internal sealed class CancellationDetails
{
    public string? Comment { get; set; }

    public string? Feedback { get; set; }

    public string? Reason { get; set; }
}

internal sealed class SubscriptionItem : StripeObject
{
    public override string Object => "subscription_item";

    public object? BillingThresholds => null;

    public long Created { get; init; }

    public long CurrentPeriodEnd { get; set; }

    public long CurrentPeriodStart { get; set; }

    public IReadOnlyList<object> Discounts => [];

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public Plan Plan => new(Price);

    /// <summary>The live price object: a price change from the dashboard (control endpoint) re-points this.</summary>
    public required Price Price { get; set; }

    /// <summary>Metered items carry no quantity (the key is left out; Stripe.net reads it as a non-nullable long); licensed ones default to 1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Quantity { get; set; }

    public required string Subscription { get; init; }

    public IReadOnlyList<object> TaxRates => [];
}

/// <summary>The legacy <c>plan</c> view Stripe still derives from a recurring price.</summary>
internal sealed class Plan(Price price)
{
    public string Id => price.Id;

    public string Object => "plan";

    public bool Active => price.Active;

    public long? Amount => price.UnitAmount;

    public string AmountDecimal => price.UnitAmountDecimal;

    public string BillingScheme => price.BillingScheme;

    public long Created => price.Created;

    public string Currency => price.Currency;

    public string Interval => price.Recurring!.Interval;

    public long IntervalCount => price.Recurring!.IntervalCount;

    public bool Livemode => false;

    public Dictionary<string, string> Metadata => price.Metadata;

    public string? Meter => price.Recurring!.Meter;

    public string? Nickname => price.Nickname;

    public string Product => price.Product;

    public string? TiersMode => null;

    public object? TransformUsage => null;

    public long? TrialPeriodDays => null;

    public string UsageType => price.Recurring!.UsageType;
}
