using System.Text.Json.Nodes;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Payments;

/// <summary>The PaymentIntent Stripe creates behind each invoice payment attempt (read-only through the API here).</summary>
internal sealed class PaymentIntent : StripeObject
{
    public override string Object => "payment_intent";

    public long Amount { get; init; }

    public long AmountCapturable => 0;

    public object AmountDetails => new { tip = new { } };

    public long AmountReceived { get; set; }

    public string? Application => null;

    public long? ApplicationFeeAmount => null;

    public object? AutomaticPaymentMethods => null;

    public long? CanceledAt => null;

    public string? CancellationReason => null;

    public string CaptureMethod => "automatic";

    public required string ClientSecret { get; init; }

    public string ConfirmationMethod => "automatic";

    public long Created { get; init; }

    public required string Currency { get; init; }

    public string? Customer { get; init; }

    public object? CustomerAccount => null;

    public string? Description { get; init; }

    public IReadOnlyList<string>? ExcludedPaymentMethodTypes => null;

    public JsonObject? LastPaymentError { get; set; }

    public string? LatestCharge { get; set; }

    public bool Livemode => false;

    public object? ManagedPayments => null;

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public object? NextAction => null;

    public string? OnBehalfOf => null;

    public string? PaymentMethod { get; set; }

    public object? PaymentMethodConfigurationDetails => null;

    public object PaymentMethodOptions => new { };

    public IReadOnlyList<string> PaymentMethodTypes => ["card"];

    public object? Processing => null;

    public string? ReceiptEmail => null;

    public string? Review => null;

    public string? SetupFutureUsage => null;

    public object? Shipping => null;

    public string? Source => null;

    public string? StatementDescriptor => null;

    public string? StatementDescriptorSuffix => null;

    public required string Status { get; set; }

    public object? TransferData => null;

    public string? TransferGroup => null;
}
