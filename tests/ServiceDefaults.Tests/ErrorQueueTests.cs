using System.Text;
using System.Text.Json;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Tests.Ledger;
using Cic.Testing;
using Microsoft.AspNetCore.Builder;
using RabbitMQ.Client;

namespace Cic.ServiceDefaults.Tests;

/// <summary>What a faulted message carries to its error queue when its own headers nearly fill an AMQP frame.</summary>
public sealed class ErrorQueueHeadersTests
{
    private static readonly int Room = ErrorQueueHeaders.Room(ErrorQueueHeaders.DefaultFrameMax);

    [Fact]
    public void Small_headers_are_all_kept_with_the_fault_headers()
    {
        var headers = ErrorQueueHeaders.Fit(
            [new("x-trace", "abc"), new("MT-Reason", "producer's")],
            [new("MT-Fault-Message", "why"), new("MT-Reason", "fault")],
            Room);

        Assert.Equal("abc", headers["x-trace"]);
        Assert.Equal("why", headers["MT-Fault-Message"]);
        Assert.Equal("fault", headers["MT-Reason"]);
        Assert.False(headers.ContainsKey(ErrorQueueHeaders.DroppedHeader));
    }

    [Fact]
    public void A_header_that_leaves_no_room_is_left_out_and_named_and_the_rest_fit_in_a_frame()
    {
        var huge = new byte[Room - 100];
        var headers = ErrorQueueHeaders.Fit(
            [new("x-padding", huge), new("x-trace", "abc")],
            [new("MT-Fault-Message", "why"), new("MT-Fault-StackTrace", new string('s', 200_000))],
            Room);

        Assert.False(headers.ContainsKey("x-padding"));
        Assert.Equal("abc", headers["x-trace"]);
        Assert.Equal("why", headers["MT-Fault-Message"]);
        Assert.EndsWith("(cut)", (string)headers["MT-Fault-StackTrace"]!, StringComparison.Ordinal);
        Assert.Contains($"x-padding ({huge.Length + 15} bytes)", (string)headers[ErrorQueueHeaders.DroppedHeader]!, StringComparison.Ordinal);
        Assert.True(ErrorQueueHeaders.Fits(headers, Room));
    }
}

/// <summary>A MassTransit consumer's fault path with a message whose header nearly fills the broker's frame.</summary>
public sealed class ErrorQueueTests : IAsyncLifetime
{
    private static readonly string[] MessageType = ["urn:message:Cic.ServiceDefaults.Tests.Ledger:EntryRecorded"];
    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;
    private WebApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("faults");
        _broker = await servers.CreateVirtualHostAsync("faults");
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp);
        await _app.StartHealthyAsync();
    }

    [Fact]
    public async Task A_faulted_message_whose_header_nearly_fills_a_frame_reaches_the_error_queue_and_consuming_goes_on()
    {
        var before = await OutboxAndInboxTests.RecordEntryAsync(_app, "before");
        await Eventually.IsTrue(async () => await EffectsOf(before) == 1, "the first entry to be consumed");
        var connections = await Eventually.Returns(() => _broker.OpenConnectionsAsync("Cic.ServiceDefaults.Tests"), found => found.Count >= 1, "the bus's connection to be listed");
        var queue = (await _broker.QueueNamesAsync()).Single(name => name.EndsWith("entry-recorded", StringComparison.Ordinal));

        // As a producer without MassTransit sends it: the envelope, and one header ~150 bytes short of frame_max.
        var refused = Guid.NewGuid();
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = Guid.NewGuid(),
            messageType = MessageType,
            message = new EntryRecorded(Guid.NewGuid(), DateTimeOffset.UtcNow, refused, EntryRecordedConsumer.Refused),
        }, JsonSerializerOptions.Web);
        const string ContentType = "application/vnd.masstransit+json";
        // The content header frame: 14 fixed bytes, the content type, delivery mode, the table's length, its one entry.
        var padding = (int)ErrorQueueHeaders.DefaultFrameMax - 8 - 150 - 14 - (1 + ContentType.Length) - 1 - 4 - (1 + 9 + 1 + 4);
        var factory = new ConnectionFactory { Uri = _broker.Amqp };
        await using (var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken))
        await using (var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), TestContext.Current.CancellationToken))
        {
            var properties = new BasicProperties
            {
                ContentType = ContentType,
                DeliveryMode = DeliveryModes.Persistent,
                Headers = new Dictionary<string, object?> { ["x-padding"] = new byte[padding] },
            };
            await channel.BasicPublishAsync("Cic.ServiceDefaults.Tests.Ledger:EntryRecorded", "", true, properties, body, TestContext.Current.CancellationToken);
        }

        var after = await OutboxAndInboxTests.RecordEntryAsync(_app, "after");
        await Eventually.IsTrue(async () => await EffectsOf(after) == 1, "the entry after the refused one to be consumed");
        var moved = await Eventually.Returns(() => _broker.PeekAsync($"{queue}_error"), found => found.Count > 0, "the refused message to reach the error queue");
        Assert.Equal("the ledger refuses this entry", moved[0].Headers.GetValueOrDefault("MT-Fault-Message"));
        Assert.Contains("x-padding", moved[0].Headers.GetValueOrDefault(ErrorQueueHeaders.DroppedHeader) ?? "", StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(body), moved[0].Body);
        Assert.Equal(0, await EffectsOf(refused));
        Assert.Equal(connections, await _broker.OpenConnectionsAsync("Cic.ServiceDefaults.Tests"));
    }

    private async Task<long> EffectsOf(Guid entryId) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM received_entries WHERE entry_id = '{entryId}'");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }
}
