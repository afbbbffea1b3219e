using Cic.Contracts.Calls;
using Cic.Usage.Calls;
using CsCheck;

namespace Cic.Rules.Tests;

/// <summary>What makes a reported call storable; anything else goes to the error queue with the reason.</summary>
public sealed class CallRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 20, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);
    private static readonly HandledCall Good = new("ivr-eu", "c-000123", Guid.Parse("0b8f4b8e-8b07-4c55-9a8a-2f1d5f0e6c11"), Now.AddMinutes(-6), 42_000, 7);

    [Fact]
    public void A_complete_call_is_storable() => Assert.Null(CallRules.Problem(Good, Now, Skew));

    [Fact]
    public void Each_missing_or_bad_field_is_named_with_the_call_it_belongs_to()
    {
        Assert.Equal("the call is missing", CallRules.Problem(null, Now, Skew));
        Assert.Equal("SourceSystem is missing", CallRules.Problem(Good with { SourceSystem = " " }, Now, Skew));
        Assert.Equal("SourceSystem is missing", CallRules.Problem(Good with { SourceSystem = null! }, Now, Skew));
        Assert.Equal("SourceSystem is longer than 100 characters", CallRules.Problem(Good with { SourceSystem = new string('s', 101) }, Now, Skew));
        Assert.Equal("CallId is missing (source system 'ivr-eu')", CallRules.Problem(Good with { CallId = "" }, Now, Skew));
        Assert.Equal("CallId is missing (source system 'ivr-eu')", CallRules.Problem(Good with { CallId = "\t " }, Now, Skew));
        Assert.Equal("CallId is longer than 200 characters (source system 'ivr-eu')", CallRules.Problem(Good with { CallId = new string('c', 201) }, Now, Skew));
        Assert.Equal("CompanyId is missing (call 'ivr-eu/c-000123')", CallRules.Problem(Good with { CompanyId = Guid.Empty }, Now, Skew));
        Assert.Equal("HandledAt is missing (call 'ivr-eu/c-000123')", CallRules.Problem(Good with { HandledAt = default }, Now, Skew));
        Assert.Equal("DurationMs is negative (call 'ivr-eu/c-000123')", CallRules.Problem(Good with { DurationMs = -1 }, Now, Skew));
        Assert.Equal("Sequence is negative (call 'ivr-eu/c-000123')", CallRules.Problem(Good with { Sequence = -1 }, Now, Skew));
        Assert.StartsWith("HandledAt 2026-11-24T08:25:00.0000001+00:00 is more than 00:05:00 in the future", CallRules.Problem(Good with { HandledAt = Now + Skew + TimeSpan.FromTicks(1) }, Now, Skew), StringComparison.Ordinal);
    }

    [Fact]
    public void The_limits_themselves_are_allowed()
    {
        Assert.Null(CallRules.Problem(Good with { SourceSystem = new string('s', 100), CallId = new string('c', 200) }, Now, Skew));
        Assert.Null(CallRules.Problem(Good with { HandledAt = Now + Skew, DurationMs = 0, Sequence = 0 }, Now, Skew));
        Assert.Null(CallRules.Problem(Good with { Sequence = null }, Now, Skew));
        Assert.Null(CallRules.Problem(Good with { HandledAt = new DateTimeOffset(2026, 11, 24, 10, 24, 0, TimeSpan.FromHours(2)) }, Now, Skew)); // 08:24 UTC
    }

    [Fact]
    public void Any_call_within_the_limits_is_storable_and_one_from_too_far_ahead_never_is() =>
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 100], Gen.String[Gen.Char.AlphaNumeric, 1, 200], Gen.Guid, Gen.Long[-TimeSpan.TicksPerDay * 400, Skew.Ticks], Gen.Long[0, long.MaxValue])
            .Sample(sample =>
            {
                var (source, callId, company, offset, duration) = sample;
                if (company == Guid.Empty)
                {
                    return;
                }

                var call = new HandledCall(source, callId, company, Now.AddTicks(offset), duration, duration % 3 == 0 ? null : duration);
                Assert.Null(CallRules.Problem(call, Now, Skew));
                Assert.NotNull(CallRules.Problem(call with { HandledAt = Now + Skew + TimeSpan.FromTicks(1 + (duration % TimeSpan.TicksPerDay)) }, Now, Skew));
            });

    [Fact]
    public void A_single_call_message_carries_every_field_over() =>
        Assert.Equal(Good, new CallHandled(Guid.NewGuid(), Now, Good.SourceSystem, Good.CallId, Good.CompanyId, Good.HandledAt, Good.DurationMs, Good.Sequence).ToHandledCall());
}
