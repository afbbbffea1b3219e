using System.Globalization;
using System.Text.Json.Serialization;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.CreditNotes;

internal sealed class CreditNote : StripeObject
{
    public override string Object => "credit_note";

    public long Amount { get; init; }

    public long AmountShipping => 0;

    public long Created { get; init; }

    public required string Currency { get; init; }

    public required string Customer { get; init; }

    public object? CustomerAccount => null;

    public string? CustomerBalanceTransaction { get; init; }

    public long DiscountAmount => 0;

    public IReadOnlyList<object> DiscountAmounts => [];

    public long EffectiveAt { get; init; }

    public required string Invoice { get; init; }

    public ListObject<CreditNoteLineItem> Lines => new(LineList, false, $"/v1/credit_notes/{Id}/lines");

    public bool Livemode => false;

    public string? Memo { get; init; }

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public required string Number { get; init; }

    public long? OutOfBandAmount { get; init; }

    public string Pdf => $"https://pay.stripe.com/credit_notes/emulator/{Id}/pdf";

    public long PostPaymentAmount { get; init; }

    public long PrePaymentAmount { get; init; }

    public IReadOnlyList<object> PretaxCreditAmounts => [];

    public string? Reason { get; init; }

    public IReadOnlyList<CreditNoteRefund> Refunds { get; init; } = [];

    public object? ShippingCost => null;

    public string Status { get; set; } = "issued";

    public long Subtotal => Amount;

    public long SubtotalExcludingTax => Amount;

    public long Total => Amount;

    public long TotalExcludingTax => Amount;

    public IReadOnlyList<object> TotalTaxes => [];

    public string Type => (PrePaymentAmount, PostPaymentAmount) switch
    {
        ( > 0, > 0) => "mixed",
        (_, > 0) => "post_payment",
        _ => "pre_payment",
    };

    public long? VoidedAt { get; set; }

    [JsonIgnore]
    public List<CreditNoteLineItem> LineList { get; } = [];

    /// <summary>The part that went to the customer's credit balance, reversed if the note is voided.</summary>
    [JsonIgnore]
    public long CreditAmount { get; init; }
}

internal sealed class CreditNoteRefund
{
    public long AmountRefunded { get; init; }

    public required string Refund { get; init; }

    public string Type => "refund";
}

internal sealed class CreditNoteLineItem
{
    public required string Id { get; init; }

    public string Object => "credit_note_line_item";

    public long Amount { get; init; }

    public string? Description { get; init; }

    public long DiscountAmount => 0;

    public IReadOnlyList<object> DiscountAmounts => [];

    public string? InvoiceLineItem { get; init; }

    public bool Livemode => false;

    public Dictionary<string, string>? Metadata => null;

    public IReadOnlyList<object> PretaxCreditAmounts => [];

    public long? Quantity { get; init; }

    public IReadOnlyList<object> TaxRates => [];

    public IReadOnlyList<object> Taxes => [];

    public required string Type { get; init; }

    public long? UnitAmount { get; init; }

    public string? UnitAmountDecimal => UnitAmount?.ToString(CultureInfo.InvariantCulture);
}
