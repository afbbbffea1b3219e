using System.Text.Json.Nodes;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Events;

/// <summary>An <c>event</c>: a snapshot of the object taken when it happened, kept for <c>/v1/events</c> and webhooks.</summary>
internal sealed class StripeEvent : StripeObject
{
    public override string Object => "event";

    public required string ApiVersion { get; init; }

    public long Created { get; init; }

    public required EventData Data { get; init; }

    public bool Livemode => false;

    public long PendingWebhooks { get; set; }

    public required EventRequest Request { get; init; }

    public required string Type { get; init; }
}

internal sealed class EventData
{
    public required JsonNode Object { get; init; }

    /// <summary>Only present (Stripe omits the key otherwise) on <c>*.updated</c> events.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? PreviousAttributes { get; init; }
}

internal sealed class EventRequest
{
    public string? Id { get; init; }

    public string? IdempotencyKey { get; init; }
}

internal sealed class WebhookEndpoint : StripeObject
{
    public override string Object => "webhook_endpoint";

    public string? ApiVersion { get; init; }

    public string? Application => null;

    public long Created { get; init; }

    public string? Description { get; set; }

    public IReadOnlyList<string> EnabledEvents { get; set; } = ["*"];

    public bool Livemode => false;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public string Status { get; set; } = "enabled";

    public required string Url { get; set; }

    /// <summary>Stripe shows the signing secret only in the create response; <see cref="EventsEndpoints"/> adds it there.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Secret { get; init; } = string.Empty;

    public bool Accepts(string eventType) =>
        Status == "enabled" && EnabledEvents.Any(e => e == "*" || e == eventType);
}
