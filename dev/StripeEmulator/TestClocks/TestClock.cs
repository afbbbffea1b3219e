using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.TestClocks;

internal sealed class TestClock : StripeObject
{
    public override string Object => "test_helpers.test_clock";

    public long Created { get; init; }

    public long DeletesAfter => Created + (30 * 24 * 3600);

    public long FrozenTime { get; set; }

    public bool Livemode => false;

    public string? Name { get; init; }

    public string Status { get; set; } = "ready";

    public object StatusDetails => Status == "advancing" && TargetFrozenTime is { } target
        ? new { advancing = new { target_frozen_time = target } }
        : new { };

    [System.Text.Json.Serialization.JsonIgnore]
    public long? TargetFrozenTime { get; set; }
}
