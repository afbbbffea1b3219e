using System.Text.Json;
using Cic.Billing.BillingAccounts;
using Cic.Contracts;
using Cic.ServiceDefaults.Monitoring;
using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

public sealed class UnknownCustomersFixture : UsagePushFixture
{
    protected override DateTime? ClockStart => new(2026, 11, 18, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>What the service logs, to check what an engineer would read.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        base.ConfigureServices(services);
        services.AddSingleton<ILoggerProvider>(Logs);
    }
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

/// <summary>Customers the Stripe side no longer knows: one warning a reconciliation pass with their count, not one stack trace each.</summary>
public sealed class UnknownCustomersTests(UnknownCustomersFixture billing) : IClassFixture<UnknownCustomersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Customers_stripe_no_longer_knows_are_logged_once_a_pass_with_their_count_and_no_stack_trace()
    {
        await billing.ClearFaultsAsync();
        var now = await billing.ClockNowAsync();
        var cycle = BillingCycle.Containing(now);
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-2);
        var gone = new List<string>();
        foreach (var name in new[] { "Deleted In Dashboard A", "Deleted In Dashboard B", "Deleted In Dashboard C" })
        {
            var company = await billing.CompanyAsync(name, since: cycle.Start);
            await billing.TallyAsync(company, hour, 1, revision: 1);
            await billing.SettledAsync(company, cycle.ToString(), 1);
            gone.Add((await billing.CustomerIdAsync(company))!);
        }

        // Stripe's side forgets them (an emulator restarted without its state, a test-mode data reset).
        await billing.Stripe.ControlAsync("/_emulator/reset", cancellationToken: Ct);

        var before = billing.Logs.Entries.Count;
        (await billing.Staff.PostAsync("/billing-accounts/sync", null, Ct)).EnsureSuccessStatusCode();

        var pass = billing.Logs.Entries.Skip(before).Where(e => e.Category == typeof(Reconciliation.StripeReconciliation).FullName).ToList();
        var unknown = Assert.Single(pass, e => e.Level == LogLevel.Warning);
        Assert.Null(unknown.Exception);
        Assert.Contains("3 of ", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("unknown to Stripe", unknown.Message, StringComparison.Ordinal);
        Assert.All(gone, customer => Assert.Contains(customer, unknown.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(billing.Logs.Entries.Skip(before), e => e.Level >= LogLevel.Warning && e.Exception is global::Stripe.StripeException);
    }
}
