using Cic.Contracts.Calls;
using Cic.Testing;
using System.Net;
using System.Text;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace Cic.Usage.Tests;

/// <summary>Calls arriving over RabbitMQ, enveloped by MassTransit or as plain JSON, stored and counted exactly once.</summary>
public sealed class IngestionTests(UsageFixture usage) : IClassFixture<UsageFixture>
{
    private static readonly DateTimeOffset LastHour = DateTimeOffset.UtcNow.AddHours(-1);

    [Fact]
    public async Task The_same_call_twice_in_one_batch_is_stored_and_counted_once()
    {
        using var counters = Counters();
        var company = Guid.NewGuid();
        var a = new HandledCall("ivr-eu", "in-batch-a", company, LastHour, 1000);
        var b = new HandledCall("ivr-eu", "in-batch-b", company, LastHour, 2000);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [a, a, b]), TestContext.Current.CancellationToken);

        // Back to back on the single-call queue: in one batch, or in two on the queue's two channels.
        var c = new HandledCall("ivr-eu", "in-batch-c", company, LastHour, 3000);
        await Task.WhenAll(
            usage.Host.Bus.Publish(Single(c), TestContext.Current.CancellationToken),
            usage.Host.Bus.Publish(Single(c), TestContext.Current.CancellationToken));

        // The service has handled all five calls offered (whichever channel took them): three stored, two repeats.
        await WaitUntilHandledAsync(counters, 5);
        Assert.Equal((3, 2), (counters[StoredCounter], counters[DuplicatesCounter]));
        await AssertSettledAsync(company, 3);
    }

    [Fact]
    public async Task A_call_offered_again_in_later_batches_by_either_contract_or_as_plain_json_is_not_counted_again()
    {
        using var counters = Counters();
        var company = Guid.NewGuid();
        var call = new HandledCall("crm-us", "later-batch", company, LastHour, 45_000);
        await usage.Host.Bus.Publish(Single(call), TestContext.Current.CancellationToken);
        await usage.WaitForStoredCallsAsync(company, 1);

        await usage.Host.Bus.Publish(Single(call), TestContext.Current.CancellationToken);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [call]), TestContext.Current.CancellationToken);
        await using (var plain = await CallPublisher.ConnectAsync(usage.Broker))
        {
            await plain.PublishCallAsync(CallPublisher.CallJson(call.SourceSystem, call.CallId, company, call.HandledAt));
        }

        // All four offers handled, on whichever channel of either queue: the three repeats changed nothing.
        await WaitUntilHandledAsync(counters, 4);
        Assert.Equal((1, 3), (counters[StoredCounter], counters[DuplicatesCounter]));
        await AssertSettledAsync(company, 1);
    }

    [Fact]
    public async Task A_message_the_broker_redelivers_because_its_channel_closed_before_the_ack_changes_nothing()
    {
        var company = Guid.NewGuid();
        await usage.Host.Bus.Publish(Single(new HandledCall("ivr-eu", "before-redelivery", company, LastHour, 1)), TestContext.Current.CancellationToken);
        await usage.WaitForStoredCallsAsync(company, 1);
        using var counters = Counters();
        var redeliveriesBefore = await usage.Broker.RedeliveriesAsync(CallQueue);

        await using (var hold = new NpgsqlConnection(usage.Database.ConnectionString))
        {
            // Hold the company's tally row: the batch storing the next call waits on it, neither committed nor acknowledged.
            await hold.OpenAsync(TestContext.Current.CancellationToken);
            await using var holding = await hold.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM usage_windows WHERE company_id = '{company}' FOR UPDATE", hold, holding))
            {
                await lockRow.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            }

            await usage.Host.Bus.Publish(Single(new HandledCall("ivr-eu", "redelivered", company, LastHour, 1)), TestContext.Current.CancellationToken);
            await Eventually.IsTrue(
                async () => await usage.Database.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO calls%'") > 0,
                "the batch storing the call to wait on the held tally");

            // The connection is lost with the delivery unacknowledged: the broker puts it back and, once the service has
            // reconnected, delivers it again, marked redelivered.
            Assert.True(await usage.Broker.CloseConnectionsAsync("Cic.Usage") > 0);
            await holding.RollbackAsync(TestContext.Current.CancellationToken);
        }

        // The interrupted batch committed the call, its acknowledgement failed; the redelivery found the call stored.
        await WaitUntilHandledAsync(counters, 2);
        Assert.Equal((1, 1), (counters[StoredCounter], counters[DuplicatesCounter]));
        await Eventually.IsTrue(async () => await usage.Broker.RedeliveriesAsync(CallQueue) > redeliveriesBefore, "the broker to report the redelivery");
        await AssertSettledAsync(company, 2);
    }

    [Fact]
    public async Task Plain_json_published_to_the_documented_exchange_is_stored_from_both_routing_keys()
    {
        var company = Guid.NewGuid();
        await using var plain = await CallPublisher.ConnectAsync(usage.Broker);
        await plain.PublishCallAsync(CallPublisher.CallJson("node-dialer", "plain-1", company, LastHour, 12_345));
        await plain.PublishCallsAsync($$"""
            {"calls": [
              {"sourceSystem": "node-dialer", "callId": "plain-2", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 5},
              {"sourceSystem": "node-dialer", "callId": "plain-3", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 6}
            ]}
            """);

        await usage.WaitForStoredCallsAsync(company, 3);
        await AssertSettledAsync(company, 3);
        Assert.Equal(12_345, await usage.Database.ScalarAsync<long>(
            "SELECT duration_ms FROM calls WHERE source_system = 'node-dialer' AND call_id = 'plain-1'"));
    }

    [Fact]
    public async Task Poison_messages_go_to_the_error_queue_with_the_reason_while_their_batch_mates_are_stored()
    {
        var company = Guid.NewGuid();
        await using var plain = await CallPublisher.ConnectAsync(usage.Broker);
        await plain.PublishCallAsync(CallPublisher.CallJson("poison", "good-1", company, LastHour));
        await plain.PublishCallAsync($$"""{"sourceSystem": "poison", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 1}""");
        await plain.PublishCallAsync($$"""{"sourceSystem": "poison", "callId": "wrong-type", "companyId": "not-a-guid", "handledAt": "{{LastHour:O}}", "durationMs": 1}""");
        await plain.PublishCallAsync(CallPublisher.CallJson("poison", "next-week", company, DateTimeOffset.UtcNow.AddDays(7)));
        await plain.PublishCallAsync("this is not json");
        // A moment without its offset is ambiguous (local time, or UTC?): refused, as documented.
        await plain.PublishCallAsync($$"""{"sourceSystem": "poison", "callId": "no-offset", "companyId": "{{company}}", "handledAt": "{{LastHour.UtcDateTime:yyyy-MM-ddTHH:mm:ss}}", "durationMs": 1}""");
        // Passes the checks, but PostgreSQL cannot store a NUL character: refused alone, by the database.
        await plain.PublishCallAsync(CallPublisher.CallJson("poison", "nul\u0000char", company, LastHour));
        await plain.PublishCallAsync(CallPublisher.CallJson("poison", "good-2", company, LastHour));
        await plain.PublishCallsAsync($$"""
            {"calls": [
              {"sourceSystem": "poison", "callId": "in-bad-message", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 5},
              {"sourceSystem": "poison", "callId": "", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 6}
            ]}
            """);

        await usage.WaitForStoredCallsAsync(company, 2);
        var errors = await Eventually.Returns(
            () => usage.Broker.PeekAsync("usage-call-handled_error", 20),
            found => found.Count >= 6,
            "the six bad messages to reach the error queue");
        var batchErrors = await Eventually.Returns(
            () => usage.Broker.PeekAsync("usage-calls-handled_error", 20),
            found => found.Count >= 1,
            "the bad CallsHandled message to reach the error queue");

        // MassTransit's fault headers, as on every other error queue; the body is the message as it was sent.
        Assert.All(errors, e => Assert.Equal("fault", e.Headers.GetValueOrDefault("MT-Reason")));
        Assert.Contains(errors, e => e.Body == "this is not json");
        var reasons = errors.Select(e => e.Headers.GetValueOrDefault("MT-Fault-Message") ?? "").ToList();
        Assert.Contains(reasons, r => r.Contains("CallId is missing", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("companyId has the wrong type or format", StringComparison.Ordinal) && r.Contains("Guid", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("the body is not valid JSON", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("handledAt has the wrong type or format: an ISO 8601 date and time with its offset (Z or ±hh:mm) is required", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("in the future", StringComparison.Ordinal) && r.Contains("next-week", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("the database refused its calls", StringComparison.Ordinal));
        Assert.Contains(batchErrors, e => (e.Headers.GetValueOrDefault("MT-Fault-Message") ?? "").Contains("Calls[1]: CallId is missing", StringComparison.Ordinal));

        await AssertSettledAsync(company, 2);
        Assert.Equal(0, await usage.Database.ScalarAsync<long>("SELECT count(*) FROM calls WHERE call_id IN ('next-week', 'in-bad-message', 'wrong-type', 'no-offset')"));
    }

    [Fact]
    public async Task A_refused_message_whose_header_nearly_fills_a_frame_reaches_the_error_queue_while_calls_go_on_being_stored()
    {
        var company = Guid.NewGuid();
        await using var plain = await CallPublisher.ConnectAsync(usage.Broker);
        await plain.PublishCallAsync(CallPublisher.CallJson("frame", "before", company, LastHour));
        await usage.WaitForStoredCallsAsync(company, 1);
        var connections = await Eventually.Returns(
            () => usage.Broker.OpenConnectionsAsync("Cic.Usage"), found => found.Count >= 2, "the service's connections to be listed");

        // The content header frame ~150 bytes under RabbitMQ's frame_max of 131,072: 14 bytes of fixed fields,
        // content type (1 + 16), delivery mode (1), the table's length (4) and its one entry (1 + 9 + 1 + 4 + value).
        const int FrameMax = 131_072;
        var padding = new string('x', FrameMax - 8 - 150 - 14 - 17 - 1 - 4 - 15);
        var hostile = Encoding.UTF8.GetBytes($$"""{"sourceSystem": "frame", "companyId": "{{company}}", "handledAt": "{{LastHour:O}}", "durationMs": 1}""");
        await plain.PublishAsync("call.handled", hostile, new Dictionary<string, object?> { ["x-padding"] = Encoding.UTF8.GetBytes(padding) });
        await plain.PublishCallAsync(CallPublisher.CallJson("frame", "after", company, LastHour));

        var moved = await Eventually.Returns(
            async () => (await usage.Broker.PeekAsync("usage-call-handled_error", 100)).Where(e => e.Body == Encoding.UTF8.GetString(hostile)).ToList(),
            found => found.Count > 0,
            "the hostile message to reach the error queue");
        var headers = moved[0].Headers;
        Assert.Contains("CallId is missing", headers.GetValueOrDefault("MT-Fault-Message") ?? "", StringComparison.Ordinal);
        Assert.Equal("fault", headers.GetValueOrDefault("MT-Reason"));
        Assert.False(headers.ContainsKey("x-padding"));
        Assert.Contains("x-padding", headers.GetValueOrDefault(ErrorQueueHeaders.DroppedHeader) ?? "", StringComparison.Ordinal);

        // The consumers' connection was never lost: ingestion and health were not interrupted.
        await plain.PublishCallAsync(CallPublisher.CallJson("frame", "later", company, LastHour));
        await usage.WaitForStoredCallsAsync(company, 3);
        using var health = await usage.Host.Client(null).GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(connections, await usage.Broker.OpenConnectionsAsync("Cic.Usage"));
        await AssertSettledAsync(company, 3);
    }

    [Fact]
    public async Task A_refused_message_of_the_brokers_maximum_size_reaches_the_error_queue_while_calls_go_on_being_stored()
    {
        var company = Guid.NewGuid();
        await using var plain = await CallPublisher.ConnectAsync(usage.Broker);
        await plain.PublishCallAsync(CallPublisher.CallJson("max-size", "before", company, LastHour));
        await usage.WaitForStoredCallsAsync(company, 1);
        var connections = await Eventually.Returns(
            () => usage.Broker.OpenConnectionsAsync("Cic.Usage"), found => found.Count >= 2, "the service's connections to be listed");

        // max_message_size of the local broker (deploy/local/rabbitmq-node.sh; RabbitMQ 4's default).
        const int MaxMessageSize = 16 * 1024 * 1024;
        var marker = Guid.NewGuid().ToString();
        var huge = new byte[MaxMessageSize];
        huge.AsSpan().Fill((byte)'x');
        await plain.PublishAsync("call.handled", huge, new Dictionary<string, object?> { ["x-test"] = marker });
        await plain.PublishCallAsync(CallPublisher.CallJson("max-size", "after", company, LastHour));

        await usage.WaitForStoredCallsAsync(company, 2);
        var moved = await Eventually.Returns(
            async () => (await usage.Broker.PeekAsync("usage-call-handled_error", 100)).Where(e => e.Headers.GetValueOrDefault("x-test") == marker).ToList(),
            found => found.Count > 0,
            "the largest message to reach the error queue");
        Assert.StartsWith("the body is not valid JSON", moved[0].Headers.GetValueOrDefault("MT-Fault-Message") ?? "", StringComparison.Ordinal);
        Assert.Equal(MaxMessageSize, moved[0].Body.Length);
        Assert.Equal(connections, await usage.Broker.OpenConnectionsAsync("Cic.Usage"));
        using var health = await usage.Host.Client(null).GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await AssertSettledAsync(company, 2);
    }

    private const string CallQueue = "usage-call-handled";
    private const string StoredCounter = "cic.usage.calls.stored";
    private const string DuplicatesCounter = "cic.usage.calls.duplicates";

    /// <summary>The service's own count of the calls it handled from now on: stored for the first time, or found already stored.</summary>
    private ServiceCounters Counters() => new(usage.Host.Services, StoredCounter, DuplicatesCounter);

    private static Task WaitUntilHandledAsync(ServiceCounters counters, long offered) =>
        counters.WaitUntilAsync(c => c[StoredCounter] + c[DuplicatesCounter] >= offered, $"the service to have handled {offered} offered calls");

    private static CallHandled Single(HandledCall call) =>
        new(Guid.NewGuid(), DateTimeOffset.UtcNow, call.SourceSystem, call.CallId, call.CompanyId, call.HandledAt, call.DurationMs);

    /// <summary>Stored calls and the tally agree with what should have been counted.</summary>
    private async Task AssertSettledAsync(Guid company, long expected)
    {
        Assert.Equal(expected, await usage.StoredCallsAsync(company));
        Assert.Equal(expected, await usage.TalliedCallsAsync(company));
    }
}
