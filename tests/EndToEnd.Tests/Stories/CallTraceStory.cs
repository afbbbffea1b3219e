using System.Diagnostics;
using Cic.AppHost;
using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>
/// On-call: a customer says a call was not billed. In the dashboard, one trace follows that call from the
/// <c>cic.calls</c> exchange through Usage, its <c>UsageTallied</c> and Billing to the meter event Stripe received.
/// </summary>
public sealed class CallTraceStory(RunningPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_call_is_one_unbroken_trace_from_the_broker_through_Usage_and_Billing_to_Stripe()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var company = await platform.Staff.Accounts.RegisterCompanyAsync($"Traced Taxis {tag}", cancellationToken: Ct);
        await PortalSteps.UntilFoundAsync(() => platform.Staff.Billing.AccountAsync(company.Id, Ct), "the company's billing account");

        // The call-handling system is instrumented: it publishes the call in a trace of its own.
        var trace = ActivityTraceId.CreateRandom();
        var producerSpan = ActivitySpanId.CreateRandom();
        await using var ivr = platform.CallHandlingSystem($"traced-ivr-{tag}");
        await ivr.PublishAsync(ivr.Calls(company.Id, CallTimes.PreviousHour(), 1, "call"), $"00-{trace}-{producerSpan}-01", Ct);

        var spans = await Eventually.Returns(
            () => platform.Dashboard.SpansAsync(trace.ToHexString(), Ct),
            s => s.Any(span => span.Resource == ResourceNames.Billing && span.Name == "meter event"
                && s.Any(child => child.ParentSpanId == span.SpanId && child.Name.StartsWith("POST", StringComparison.Ordinal))),
            "the dashboard to hold the call's trace down to the meter event Billing sent to Stripe",
            TimeSpan.FromMinutes(2));

        Assert.Contains(spans, s => s.Resource == ResourceNames.Usage && s.Name == "usage-call-handled store");
        Assert.Contains(spans, s => s.Resource == ResourceNames.Usage && s.Name == "usage window tallied");
        // Billing's consumer, in the same trace as Usage's publication (MassTransit names it after the queue).
        Assert.True(
            spans.Any(s => s.Resource == ResourceNames.Billing && s.Name.Contains("usage-tallied", StringComparison.OrdinalIgnoreCase)),
            "No span of Billing consuming UsageTallied in: " + string.Join(", ", spans.Select(s => $"{s.Resource}: {s.Name}")));
        // Unbroken: every span's parent is in the trace, or is the producer's own span.
        var known = spans.Select(s => s.SpanId).Append(producerSpan.ToHexString()).ToHashSet();
        Assert.All(spans, s => Assert.True(s.ParentSpanId is null || known.Contains(s.ParentSpanId),
            $"{s.Resource}'s span '{s.Name}' has a parent ({s.ParentSpanId}) outside the trace"));
        Assert.DoesNotContain(spans, s => s.ParentSpanId is null);
    }
}
