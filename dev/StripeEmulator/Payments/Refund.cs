using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Payments;

internal sealed class Refund : StripeObject
{
    public override string Object => "refund";

    public long Amount { get; init; }

    public string? BalanceTransaction => null;

    public required string Charge { get; init; }

    public long Created { get; init; }

    public required string Currency { get; init; }

    public string? Customer { get; init; }

    public object? CustomerAccount => null;

    public object DestinationDetails => new { card = new { reference = (string?)null, reference_status = "pending", reference_type = "acquirer_reference_number", type = "refund" }, type = "card" };

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public string? PaymentIntent { get; init; }

    public string? PaymentMethod { get; init; }

    public string? Reason { get; init; }

    public string? ReceiptNumber => null;

    public string? SourceTransferReversal => null;

    public string Status => "succeeded";

    public string? TransferReversal => null;
}
