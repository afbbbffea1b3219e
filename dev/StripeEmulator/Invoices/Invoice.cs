using System.Globalization;
using System.Text.Json.Serialization;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Invoices;

internal sealed class Invoice : StripeObject, IHasIncludableFields
{
    public override string Object => "invoice";

    public string AccountCountry => "US";

    public string AccountName => "CIC (Stripe emulator)";

    public object? AccountTaxIds => null;

    /// <summary>What the customer owes after credit balance and pre-payment credit notes.</summary>
    public long AmountDue { get; set; }

    public long AmountOverpaid => 0;

    public long AmountPaid { get; set; }

    public long AmountRemaining => Status is "void" ? 0 : Math.Max(0, AmountDue - AmountPaid);

    public long AmountShipping => 0;

    public string? Application => null;

    public long AttemptCount { get; set; }

    public bool Attempted { get; set; }

    public bool AutoAdvance { get; set; }

    public object AutomaticTax => new { enabled = false, liability = (object?)null, status = (string?)null, disabled_reason = (string?)null, provider = (string?)null };

    public long? AutomaticallyFinalizesAt => Status == "draft" && AutoAdvance ? FinalizeAt : null;

    public required string BillingReason { get; init; }

    public required string CollectionMethod { get; init; }

    public long Created { get; init; }

    public required string Currency { get; init; }

    public object? CustomFields => null;

    public required string Customer { get; init; }

    public object? CustomerAccount => null;

    public object? CustomerAddress => null;

    public string? CustomerEmail { get; set; }

    public string? CustomerName { get; set; }

    public string? CustomerPhone { get; set; }

    public object? CustomerShipping => null;

    public string CustomerTaxExempt => "none";

    public IReadOnlyList<object> CustomerTaxIds => [];

    public string? DefaultPaymentMethod { get; set; }

    public string? DefaultSource => null;

    public IReadOnlyList<object> DefaultTaxRates => [];

    public string? Description { get; set; }

    public IReadOnlyList<object> Discounts => [];

    public long? DueDate { get; set; }

    public long? EffectiveAt { get; set; }

    public long? EndingBalance { get; set; }

    public string? Footer => null;

    public object? FromInvoice => null;

    public string? HostedInvoiceUrl => Number is null ? null : $"https://invoice.stripe.com/i/emulator/{Id}";

    public string? InvoicePdf => Number is null ? null : $"https://pay.stripe.com/invoice/emulator/{Id}/pdf";

    public object Issuer => new { type = "self" };

    public object? LastFinalizationError => null;

    public string? LatestRevision => null;

    public ListObject<InvoiceLineItem> Lines => new(LineList, false, $"/v1/invoices/{Id}/lines");

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public long? NextPaymentAttempt { get; set; }

    public string? Number { get; set; }

    public string? OnBehalfOf => null;

    public InvoiceParent? Parent { get; init; }

    public object PaymentSettings => new { default_mandate = (string?)null, payment_method_options = (object?)null, payment_method_types = (object?)null };

    public long PeriodEnd { get; init; }

    public long PeriodStart { get; init; }

    public long PostPaymentCreditNotesAmount { get; set; }

    public long PrePaymentCreditNotesAmount { get; set; }

    public string? ReceiptNumber => null;

    public object? Rendering => null;

    public object? ShippingCost => null;

    public object? ShippingDetails => null;

    public long StartingBalance { get; set; }

    public string? StatementDescriptor => null;

    public required string Status { get; set; }

    public InvoiceStatusDetails? StatusDetails { get; set; }

    public InvoiceStatusTransitions StatusTransitions { get; } = new();

    public long Subtotal => LineList.Sum(l => l.Amount);

    public long SubtotalExcludingTax => Subtotal;

    public string? TestClock { get; init; }

    public long Total => Subtotal;

    public IReadOnlyList<object> TotalDiscountAmounts => [];

    public long TotalExcludingTax => Total;

    public IReadOnlyList<object> TotalPretaxCreditAmounts => [];

    public IReadOnlyList<object> TotalTaxes => [];

    public long? WebhooksDeliveredAt { get; set; }

    [JsonIgnore]
    public List<InvoiceLineItem> LineList { get; } = [];

    /// <summary>When a draft auto-finalizes (Stripe: one hour after creation for subscription renewals).</summary>
    [JsonIgnore]
    public long FinalizeAt { get; set; }

    /// <summary>First failed automatic charge; the retry schedule counts from here.</summary>
    [JsonIgnore]
    public long? FirstFailureAt { get; set; }

    [JsonIgnore]
    public string? SubscriptionId => Parent?.SubscriptionDetails?.Subscription;

    /// <summary>The invoice's payments; Stripe sends <c>payments</c> only when asked with <c>expand[]=payments</c>.</summary>
    [JsonIgnore]
    public List<InvoicePayment> Payments { get; } = [];

    /// <summary>The PaymentIntent reused by every attempt to collect this invoice.</summary>
    [JsonIgnore]
    public string? PaymentIntentId { get; set; }

    public object? Include(string field) =>
        field == "payments" ? new ListObject<InvoicePayment>(Payments, false, $"/v1/invoice_payments?invoice={Id}") : null;
}

internal sealed class InvoiceParent
{
    public object? QuoteDetails => null;

    public InvoiceSubscriptionDetails? SubscriptionDetails { get; init; }

    public string Type => "subscription_details";
}

internal sealed class InvoiceSubscriptionDetails
{
    public Dictionary<string, string>? Metadata { get; init; }

    public required string Subscription { get; init; }
}

internal sealed class InvoiceStatusDetails
{
    public InvoiceUncollectibleDetails? Uncollectible { get; init; }
}

internal sealed class InvoiceUncollectibleDetails
{
    public required string Reason { get; init; }
}

internal sealed class InvoiceStatusTransitions
{
    public long? FinalizedAt { get; set; }

    public long? MarkedUncollectibleAt { get; set; }

    public long? PaidAt { get; set; }

    public long? VoidedAt { get; set; }
}

internal sealed class InvoiceLineItem
{
    public required string Id { get; init; }

    public string Object => "line_item";

    public long Amount { get; set; }

    public required string Currency { get; init; }

    public required string Description { get; set; }

    public IReadOnlyList<object> DiscountAmounts => [];

    public bool Discountable => true;

    public IReadOnlyList<object> Discounts => [];

    public required string Invoice { get; init; }

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public required LineParent Parent { get; init; }

    public required LinePeriod Period { get; init; }

    public IReadOnlyList<object> PretaxCreditAmounts => [];

    public required LinePricing Pricing { get; set; }

    public long Quantity => (long)decimal.Ceiling(QuantityExact);

    public string QuantityDecimal => QuantityExact.ToString(CultureInfo.InvariantCulture);

    public long Subtotal => Amount;

    public IReadOnlyList<object> Taxes => [];

    [JsonIgnore]
    public decimal QuantityExact { get; set; }

    /// <summary>Metered lines are re-priced from the meter at finalization (usage may arrive during the grace hour).</summary>
    [JsonIgnore]
    public string? MeterId { get; init; }
}

internal sealed class LineParent
{
    public object? InvoiceItemDetails => null;

    public required LineSubscriptionItemDetails SubscriptionItemDetails { get; init; }

    public string Type => "subscription_item_details";
}

internal sealed class LineSubscriptionItemDetails
{
    public string? InvoiceItem => null;

    public bool Proration { get; init; }

    public object ProrationDetails => new { credited_items = (object?)null };

    public required string Subscription { get; init; }

    public required string SubscriptionItem { get; init; }
}

internal sealed class LinePeriod
{
    public long End { get; init; }

    public long Start { get; init; }
}

internal sealed class LinePricing
{
    public required LinePriceDetails PriceDetails { get; init; }

    public string Type => "price_details";

    public required string UnitAmountDecimal { get; init; }
}

internal sealed class LinePriceDetails
{
    public required string Price { get; init; }

    public required string Product { get; init; }
}

internal sealed class InvoicePayment : StripeObject
{
    public override string Object => "invoice_payment";

    public long? AmountPaid { get; set; }

    public long AmountRequested { get; init; }

    public long Created { get; init; }

    public required string Currency { get; init; }

    public required string Invoice { get; init; }

    public bool IsDefault { get; set; } = true;

    public bool Livemode => false;

    public required InvoicePaymentReference Payment { get; init; }

    public required string Status { get; set; }

    public InvoicePaymentStatusTransitions StatusTransitions { get; } = new();
}

internal sealed class InvoicePaymentReference
{
    public required string PaymentIntent { get; init; }

    public string Type => "payment_intent";
}

internal sealed class InvoicePaymentStatusTransitions
{
    public long? CanceledAt { get; set; }

    public long? PaidAt { get; set; }
}
