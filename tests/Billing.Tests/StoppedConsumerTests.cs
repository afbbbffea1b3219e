using System.Text.Json;
using Cic.ServiceDefaults.Monitoring;
using Cic.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Billing.Tests;

public sealed class StoppedConsumerFixture : BillingFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("Pipeline:SampleInterval", "00:00:00.200"),
        new("Pipeline:Thresholds:UnreadQueueSeconds", "1"),
    ];
}

/// <summary>
/// A stopped consumer: Billing's receive endpoints stop while the service runs. MassTransit's own check calls the bus
/// Unhealthy; the queue gauge says which queues wait unread and for how long, and both recover when the consumers are back.
/// </summary>
public sealed class StoppedConsumerTests(StoppedConsumerFixture billing) : IClassFixture<StoppedConsumerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Queues_nobody_consumes_are_named_in_billings_health_until_the_consumers_are_back()
    {
        var monitor = billing.Services.GetRequiredService<PipelineMonitor>();
        var bus = billing.Services.GetRequiredService<IBusControl>();
        await Eventually.Returns(HealthAsync, h => h.Status == "Healthy", "Billing to be Healthy with its consumers running");
        // Healthy only says every queue is under the threshold: a sample taken while a consumer was still starting can
        // show a queue unread for some milliseconds. Running consumers bring every queue to 0.
        await NoQueueUnreadAsync(monitor, "every queue to be read with the consumers running");

        await bus.StopAsync(Ct);
        var stopped = await Eventually.Returns(
            HealthAsync, h => h.Reasons.TryGetValue("pipeline", out var why) && why.Contains("nothing has consumed", StringComparison.Ordinal),
            "Billing's health to say which queues nothing consumes");
        Assert.NotEqual("Healthy", stopped.Status);
        Assert.Equal("Degraded", stopped.Checks["pipeline"]);
        Assert.Contains(monitor.Readings("cic.messaging.queue.unread_age"), r => r.Value > 1);

        await bus.StartAsync(Ct);
        await Eventually.Returns(HealthAsync, h => h.Status == "Healthy", "Billing to report Healthy once its consumers are back");
        await NoQueueUnreadAsync(monitor, "every queue to be read again once the consumers are back");
    }

    private static Task NoQueueUnreadAsync(PipelineMonitor monitor, string what) =>
        Eventually.IsTrue(
            () => Task.FromResult(monitor.Readings("cic.messaging.queue.unread_age") is { Count: > 0 } readings && readings.All(r => r.Value == 0)),
            what);

    private async Task<Health> HealthAsync()
    {
        using var response = await billing.Client(null).GetAsync("/health", Ct);
        return JsonSerializer.Deserialize<Health>(await response.Content.ReadAsStringAsync(Ct), JsonSerializerOptions.Web)!;
    }

    private sealed record Health(string Status, Dictionary<string, string> Checks, Dictionary<string, string> Reasons);
}
