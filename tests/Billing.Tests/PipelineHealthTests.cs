using System.Text.Json;
using Cic.Billing.Accounts;
using Cic.ServiceDefaults.Monitoring;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Billing.Tests;

public sealed class PipelineHealthFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 17, 12, 0, 0, DateTimeKind.Utc);

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        .. base.MoreSettings,
        new("Pipeline:SampleInterval", "00:00:00.200"),
        new("Pipeline:Thresholds:StripeFailingInARow", "3"),
    ];
}

/// <summary>A Stripe outage, caused through the emulator's fault control: the metrics move, Billing turns Degraded with the reason, and recovers.</summary>
public sealed class PipelineHealthTests(PipelineHealthFixture billing) : IClassFixture<PipelineHealthFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PipelineMonitor Monitor => billing.Services.GetRequiredService<PipelineMonitor>();

    [Fact]
    public async Task A_stripe_outage_turns_billing_degraded_and_its_end_healthy_again_with_the_usage_pushed_once()
    {
        await billing.ClearFaultsAsync();
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var company = await billing.CompanyAsync("Outage Telecom", since: cycle.Start);
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        await Eventually.Returns(HealthAsync, h => h.Status == "Healthy", "Billing to be Healthy before the outage");

        // Stripe down: every request answers 503, whatever its method.
        await billing.FaultAsync("/v1/", count: 100_000, status: 503);
        await billing.FaultAsync("/v1/", count: 100_000, status: 503, method: "GET");
        await billing.TallyAsync(company, hour, 17, revision: 1);

        var degraded = await Eventually.Returns(HealthAsync, h => h.Status == "Degraded", "Billing to report Degraded while Stripe is down");
        Assert.Contains("Stripe is not answering", degraded.Reasons["pipeline"], StringComparison.Ordinal);
        Assert.True(Reading("cic.billing.stripe.failing_in_a_row") > 3);
        await Eventually.IsTrue(() => Task.FromResult(Reading("cic.billing.meter_pushes.pending") >= 1), "the usage to wait as a pending meter push");

        // Stripe back: the push goes through once, and Billing is Healthy again.
        await billing.ClearFaultsAsync();
        var view = await billing.SettledAsync(company, cycle.ToString(), 17);
        Assert.Equal(17m, view.CallsInStripe);
        await Eventually.Returns(HealthAsync, h => h.Status == "Healthy", "Billing to report Healthy once Stripe answers");
        await Eventually.IsTrue(() => Task.FromResult(Reading("cic.billing.meter_pushes.pending") == 0), "no meter push to be pending");
        Assert.Equal(0, Reading("cic.billing.stripe.failing_in_a_row"));
        Assert.Equal(0, Reading("cic.billing.meter_pushes.oldest_pending_age"));
    }

    private double Reading(string gauge) => Monitor.Readings(gauge).Sum(r => r.Value);

    private async Task<Health> HealthAsync()
    {
        using var response = await billing.Client(null).GetAsync("/health", Ct);
        return JsonSerializer.Deserialize<Health>(await response.Content.ReadAsStringAsync(Ct), JsonSerializerOptions.Web)!;
    }

    private sealed record Health(string Status, Dictionary<string, string> Checks, Dictionary<string, string> Reasons);
}
