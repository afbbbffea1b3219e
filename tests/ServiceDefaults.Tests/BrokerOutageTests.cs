using System.Text.Json;
using Cic.ServiceDefaults.Monitoring;
using Cic.ServiceDefaults.Tests.Ledger;
using Cic.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.ServiceDefaults.Tests;

/// <summary>RabbitMQ going away and coming back, on a broker node of this test's own.</summary>
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private PrivateRabbitMqNode _node = null!;
    private WebApplication? _app;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("outage");
        _node = await PrivateRabbitMqNode.StartAsync();
    }

    [Fact]
    public async Task An_event_saved_while_RabbitMQ_is_stopped_is_delivered_after_it_restarts()
    {
        _app = LedgerApp.Build(_database.ConnectionString, _node.Amqp, settings:
        [
            new("Pipeline:SampleInterval", "00:00:00.200"),
            new("Pipeline:Thresholds:OutboxOldestUnsentSeconds", "1"),
        ]);
        await _app.StartHealthyAsync();
        var monitor = _app.Services.GetRequiredService<PipelineMonitor>();

        await _node.StopAsync();
        var entryId = await OutboxAndInboxTests.RecordEntryAsync(_app, "during the outage");

        // The state change is committed and its event waits in the outbox while publishing fails.
        await Eventually.IsTrue(
            async () => await _database.ScalarAsync<int>("SELECT coalesce(max(attempts), 0) FROM outbox_messages WHERE sent_at IS NULL") >= 1,
            "the relay to fail at least once while the broker is down");
        Assert.Equal(0, await EffectsOf(entryId));

        // On-call sees it: the outbox backlog and the age of its oldest message, and the pipeline check Degraded saying why.
        await Eventually.IsTrue(() => Task.FromResult(Backlog(monitor) >= 1), "the outbox backlog gauge to show the waiting event");
        var degraded = await Eventually.Returns(PipelineCheckAsync, h => h.Status == "Degraded", "the pipeline check to turn Degraded");
        Assert.Contains("the oldest unpublished event in the outbox is", degraded.Reason, StringComparison.Ordinal);

        await _node.StartAgainAsync();

        await Eventually.IsTrue(async () => await EffectsOf(entryId) == 1, "the event to be delivered after the restart", TimeSpan.FromSeconds(90));
        await Eventually.IsTrue(
            async () => await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0,
            "the outbox message to be marked sent");
        await Eventually.Returns(PipelineCheckAsync, h => h.Status == "Healthy", "the pipeline check to be Healthy again");
        await Eventually.IsTrue(() => Task.FromResult(Backlog(monitor) == 0), "the outbox backlog gauge to be back to 0");
    }

    private static double Backlog(PipelineMonitor monitor) => monitor.Readings("cic.outbox.backlog").Sum(r => r.Value);

    private async Task<(string? Status, string? Reason)> PipelineCheckAsync()
    {
        using var client = _app!.GetTestClient();
        using var report = JsonDocument.Parse(await client.GetStringAsync("/health", TestContext.Current.CancellationToken));
        var status = report.RootElement.GetProperty("checks").GetProperty("pipeline").GetString();
        var reason = report.RootElement.GetProperty("reasons").TryGetProperty("pipeline", out var r) ? r.GetString() : null;
        return (status, reason);
    }

    private async Task<long> EffectsOf(Guid entryId) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM received_entries WHERE entry_id = '{entryId}'");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _node.DisposeAsync();
        await _database.DisposeAsync();
    }
}
