using System.Text.Json.Serialization;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Billing;

internal sealed class Meter : StripeObject
{
    public override string Object => "billing.meter";

    public long Created { get; init; }

    public required MeterCustomerMapping CustomerMapping { get; init; }

    public required MeterAggregation DefaultAggregation { get; init; }

    public required string DisplayName { get; set; }

    public required string EventName { get; init; }

    public string? EventTimeWindow { get; init; }

    public bool Livemode => false;

    public string Status { get; set; } = "active";

    public MeterStatusTransitions StatusTransitions { get; } = new();

    public long Updated { get; set; }

    public required MeterValueSettings ValueSettings { get; init; }

    /// <summary>Every event accepted for this meter, in arrival order.</summary>
    [JsonIgnore]
    public List<MeterEvent> Events { get; } = [];
}

internal sealed class MeterCustomerMapping
{
    public required string EventPayloadKey { get; init; }

    public string Type => "by_id";
}

internal sealed class MeterAggregation
{
    public required string Formula { get; init; }
}

internal sealed class MeterValueSettings
{
    public required string EventPayloadKey { get; init; }
}

internal sealed class MeterStatusTransitions
{
    public long? DeactivatedAt { get; set; }
}

/// <summary>A meter event as Stripe returns it (it has no id; <c>identifier</c> is the client's dedupe key).</summary>
internal sealed class MeterEvent
{
    public string Object => "billing.meter_event";

    public long Created { get; init; }

    public required string EventName { get; init; }

    public required string Identifier { get; init; }

    public bool Livemode => false;

    public required Dictionary<string, string> Payload { get; init; }

    public long Timestamp { get; init; }

    [JsonIgnore]
    public string CustomerId { get; init; } = string.Empty;

    [JsonIgnore]
    public decimal Value { get; init; }

    /// <summary>Set by a <c>cancel</c> meter event adjustment; cancelled events no longer count.</summary>
    [JsonIgnore]
    public bool Cancelled { get; set; }
}

internal sealed class MeterEventAdjustment
{
    public string Object => "billing.meter_event_adjustment";

    public required MeterEventAdjustmentCancel Cancel { get; init; }

    public required string EventName { get; init; }

    public bool Livemode => false;

    public string Status => "complete";

    public string Type => "cancel";
}

internal sealed class MeterEventAdjustmentCancel
{
    public required string Identifier { get; init; }
}

internal sealed class MeterEventSummary
{
    public required string Id { get; init; }

    public string Object => "billing.meter_event_summary";

    public decimal AggregatedValue { get; init; }

    public long EndTime { get; init; }

    public bool Livemode => false;

    public required string Meter { get; init; }

    public long StartTime { get; init; }
}
