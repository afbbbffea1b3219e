using System.Text.Json.Nodes;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.SetupIntents;

internal sealed class SetupIntent : StripeObject
{
    public override string Object => "setup_intent";

    public IReadOnlyList<string>? AllowedPaymentMethodTypes { get; set; }

    public object? Application => null;

    public AutomaticPaymentMethods? AutomaticPaymentMethods { get; set; }

    public string? CancellationReason { get; set; }

    public required string ClientSecret { get; init; }

    public long Created { get; init; }

    public string? Customer { get; set; }

    public string? Description { get; set; }

    public IReadOnlyList<string>? ExcludedPaymentMethodTypes => null;

    public IReadOnlyList<string>? FlowDirections => null;

    /// <summary>The last decline, rendered like the <c>error</c> of a 402 (Stripe's <c>last_setup_error</c>).</summary>
    public JsonObject? LastSetupError { get; set; }

    public string? LatestAttempt => null;

    public bool Livemode => false;

    public string? Mandate => null;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public object? NextAction => null;

    public string? OnBehalfOf => null;

    public string? PaymentMethod { get; set; }

    public object? PaymentMethodConfigurationDetails => null;

    public object PaymentMethodOptions => new { card = new { mandate_options = (object?)null, network = (string?)null, request_three_d_secure = "automatic" } };

    public IReadOnlyList<string> PaymentMethodTypes => ["card"];

    public string? SingleUseMandate => null;

    public required string Status { get; set; }

    public required string Usage { get; init; }
}

internal sealed class AutomaticPaymentMethods
{
    public string? AllowRedirects { get; init; }

    public bool? Enabled { get; init; }
}
