using Cic.Testing;

namespace Cic.Usage.Tests;

/// <summary>Calls stream in while the service restarts or loses its broker connection: nothing is lost or counted twice.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private const int Messages = 20_000;

    // Every 50th message repeats an earlier call, as a producer's retry would.
    private const long Unique = Messages - (Messages / 50);

    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("usage-restart");
        _broker = await servers.CreateVirtualHostAsync("usage-restart");
    }

    [Fact]
    public async Task A_restart_of_the_service_mid_stream_loses_nothing_and_counts_nothing_twice()
    {
        var first = await UsageHost.StartAsync(_database, _broker);
        var (streaming, oneThirdSent) = await StreamCallsAsync("restart");

        await oneThirdSent;
        await Eventually.IsTrue(async () => await StoredAsync() > 0, "the first instance to store calls");
        await first.DisposeAsync();
        var storedByFirst = await StoredAsync();

        await using var second = await UsageHost.StartAsync(_database, _broker);
        await streaming;

        await AssertEveryCallStoredOnceAsync();
        Assert.InRange(storedByFirst, 1, Unique - 1);
    }

    [Fact]
    public async Task A_lost_broker_connection_mid_stream_loses_nothing_and_counts_nothing_twice()
    {
        await using var usage = await UsageHost.StartAsync(_database, _broker);
        await Eventually.IsTrue(
            async () => (await _broker.ConnectionNamesAsync()).Any(name => name.EndsWith(" calls", StringComparison.Ordinal)),
            "the management API to list the service's call connection");
        var (streaming, oneThirdSent) = await StreamCallsAsync("connection-lost");

        await oneThirdSent;
        await Eventually.IsTrue(async () => await StoredAsync() > 0, "calls to be stored");
        // As a broker restart or a network fault would: deliveries in hand die with the connection.
        Assert.Equal(1, await _broker.CloseConnectionsAsync(" calls"));
        var storedBeforeTheLoss = await StoredAsync();
        await streaming;

        await AssertEveryCallStoredOnceAsync();
        Assert.InRange(storedBeforeTheLoss, 1, Unique - 1);
        using var client = usage.Client(null);
        await Eventually.IsTrue(async () => (await client.GetAsync("/health")).IsSuccessStatusCode, "the service to report healthy again");
    }

    /// <summary>Publishes <see cref="Messages"/> plain JSON calls in the background; the second task completes a third of the way.</summary>
    private async Task<(Task Streaming, Task OneThirdSent)> StreamCallsAsync(string source)
    {
        var companies = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        var handledAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        var publisher = await CallPublisher.ConnectAsync(_broker);
        var oneThird = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streaming = Task.Run(async () =>
        {
            await using var _ = publisher;
            var inFlight = new List<Task>();
            for (var i = 0; i < Messages; i++)
            {
                var call = i % 50 == 49 ? i - 25 : i;
                inFlight.Add(publisher.PublishCallAsync(CallPublisher.CallJson(source, $"call-{call}", companies[call % companies.Length], handledAt)).AsTask());
                if (inFlight.Count == 200)
                {
                    await Task.WhenAll(inFlight);
                    inFlight.Clear();
                }

                if (i == Messages / 3)
                {
                    oneThird.SetResult();
                }
            }

            await Task.WhenAll(inFlight);
        }, TestContext.Current.CancellationToken);
        return (streaming, oneThird.Task);
    }

    private async Task AssertEveryCallStoredOnceAsync()
    {
        await Eventually.IsTrue(
            async () => await StoredAsync() == Unique || await _broker.CountMessagesAsync("usage-call-handled_error") > 0,
            $"all {Unique} distinct calls to be stored",
            TimeSpan.FromMinutes(2));
        var failed = await _broker.PeekAsync("usage-call-handled_error");
        Assert.True(failed.Count == 0, "Calls went to the error queue: " + string.Join(" | ", failed.Select(
            m => m.Headers.GetValueOrDefault("MT-Fault-ExceptionType") + ": " + m.Headers.GetValueOrDefault("MT-Fault-Message"))));
        await Eventually.IsTrue(async () => await _broker.CountMessagesAsync("usage-call-handled") == 0, "the queue to be drained");

        Assert.Equal(Unique, await StoredAsync());
        Assert.Equal(Unique, await _database.ScalarAsync<long>("SELECT sum(call_count) FROM usage_windows"));
    }

    private Task<long> StoredAsync() => _database.ScalarAsync<long>("SELECT count(*) FROM calls");

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }
}
