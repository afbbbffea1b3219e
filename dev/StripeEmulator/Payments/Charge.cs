using Cic.StripeEmulator.PaymentMethods;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Payments;

internal sealed class Charge : StripeObject
{
    public override string Object => "charge";

    public long Amount { get; init; }

    public long AmountCaptured => Paid ? Amount : 0;

    public long AmountRefunded { get; set; }

    public string? Application => null;

    public string? ApplicationFee => null;

    public long? ApplicationFeeAmount => null;

    public string? BalanceTransaction { get; init; }

    public required BillingDetails BillingDetails { get; init; }

    public string? CalculatedStatementDescriptor => "CIC EMULATOR";

    public bool Captured => Paid;

    public long Created { get; init; }

    public required string Currency { get; init; }

    public string? Customer { get; init; }

    public string? Description { get; init; }

    public bool Disputed => false;

    public string? FailureBalanceTransaction => null;

    public string? FailureCode { get; init; }

    public string? FailureMessage { get; init; }

    public object FraudDetails => new { };

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public string? OnBehalfOf => null;

    public required ChargeOutcome Outcome { get; init; }

    public bool Paid { get; init; }

    public required string PaymentIntent { get; init; }

    public required string PaymentMethod { get; init; }

    public required ChargePaymentMethodDetails PaymentMethodDetails { get; init; }

    public string? ReceiptEmail => null;

    public string? ReceiptNumber => null;

    public string? ReceiptUrl => Paid ? $"https://pay.stripe.com/receipts/emulator/{Id}" : null;

    public bool Refunded => AmountRefunded >= Amount && Amount > 0;

    public string? Review => null;

    public object? Shipping => null;

    public object? Source => null;

    public string? SourceTransfer => null;

    public string? StatementDescriptor => null;

    public string? StatementDescriptorSuffix => null;

    public string Status => Paid ? "succeeded" : "failed";

    public object? TransferData => null;

    public string? TransferGroup => null;
}

internal sealed class ChargeOutcome
{
    public string? AdviceCode => null;

    public string? NetworkAdviceCode => null;

    public string? NetworkDeclineCode => null;

    public required string NetworkStatus { get; init; }

    public string? Reason { get; init; }

    public string RiskLevel => "normal";

    public long RiskScore => 20;

    public required string SellerMessage { get; init; }

    public required string Type { get; init; }
}

internal sealed class ChargePaymentMethodDetails
{
    public required ChargeCardDetails Card { get; init; }

    public string Type => "card";
}

internal sealed class ChargeCardDetails
{
    public required string Brand { get; init; }

    public CardChecks Checks { get; } = new();

    public string Country => "US";

    public long ExpMonth { get; init; }

    public long ExpYear { get; init; }

    public required string Fingerprint { get; init; }

    public required string Funding { get; init; }

    public required string Last4 { get; init; }

    public string? Mandate => null;

    public required string Network { get; init; }

    public object? ThreeDSecure => null;

    public object? Wallet => null;
}
