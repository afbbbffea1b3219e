using Cic.Testing;

namespace Cic.Usage.Tests;

/// <summary>The service stops while calls stream in and a new instance takes over: nothing is lost or counted twice.</summary>
public sealed class RestartTests : IAsyncLifetime
{
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
        const int Messages = 20_000;
        var companies = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        var handledAt = DateTimeOffset.UtcNow.AddMinutes(-10);

        var first = await UsageHost.StartAsync(_database, _broker);
        await using var publisher = await CallPublisher.ConnectAsync(_broker);
        using var halfway = new SemaphoreSlim(0);
        var streaming = Task.Run(async () =>
        {
            var inFlight = new List<Task>();
            for (var i = 0; i < Messages; i++)
            {
                // Every 50th message repeats an earlier call, as a producer's retry would.
                var call = i % 50 == 49 ? i - 25 : i;
                inFlight.Add(publisher.PublishCallAsync(CallPublisher.CallJson("restart", $"call-{call}", companies[call % companies.Length], handledAt)).AsTask());
                if (inFlight.Count == 200)
                {
                    await Task.WhenAll(inFlight);
                    inFlight.Clear();
                }

                if (i == Messages / 3)
                {
                    halfway.Release();
                }
            }

            await Task.WhenAll(inFlight);
        }, TestContext.Current.CancellationToken);

        await halfway.WaitAsync(TestContext.Current.CancellationToken);
        await Eventually.IsTrue(async () => await StoredAsync() > 0, "the first instance to store calls");
        await first.DisposeAsync();
        var storedByFirst = await StoredAsync();

        await using var second = await UsageHost.StartAsync(_database, _broker);
        await streaming;

        const long Unique = Messages - (Messages / 50);
        await Eventually.IsTrue(
            async () => await StoredAsync() == Unique || await _broker.CountMessagesAsync("usage-call-handled_error") > 0,
            $"all {Unique} distinct calls to be stored",
            TimeSpan.FromMinutes(2));
        var failed = await _broker.CountMessagesAsync("usage-call-handled_error") == 0 ? [] : await _broker.PeekAsync("usage-call-handled_error");
        Assert.True(failed.Count == 0, "Calls went to the error queue: " + string.Join(" | ", failed.Select(
            m => m.Headers.GetValueOrDefault("MT-Fault-ExceptionType") + ": " + m.Headers.GetValueOrDefault("MT-Fault-Message") + " " + m.Headers.GetValueOrDefault("MT-Fault-StackTrace"))));
        await Eventually.IsTrue(async () => await _broker.CountMessagesAsync("usage-call-handled") == 0, "the queue to be drained");

        Assert.InRange(storedByFirst, 1, Unique - 1);
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
