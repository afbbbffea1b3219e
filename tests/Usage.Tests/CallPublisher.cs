using System.Text;
using System.Text.Json;
using Cic.Testing;
using RabbitMQ.Client;

namespace Cic.Usage.Tests;

/// <summary>
/// Publishes plain JSON the way a producer without MassTransit does: a bare AMQP client, the
/// documented exchange and routing key, publisher confirms.
/// </summary>
public sealed class CallPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private CallPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<CallPublisher> ConnectAsync(TestVirtualHost broker)
    {
        var connection = await new ConnectionFactory { Uri = broker.Amqp }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return new CallPublisher(connection, channel);
    }

    /// <summary>One call as a plain JSON <c>CallHandled</c> body.</summary>
    public static string CallJson(string source, string callId, Guid companyId, DateTimeOffset handledAt, long durationMs = 60_000) =>
        JsonSerializer.Serialize(new
        {
            eventId = Guid.NewGuid(),
            occurredAt = DateTimeOffset.UtcNow,
            sourceSystem = source,
            callId,
            companyId,
            handledAt,
            durationMs,
        });

    public ValueTask PublishCallAsync(string json) => PublishAsync("call.handled", json);

    public ValueTask PublishCallsAsync(string json) => PublishAsync("calls.handled", json);

    public ValueTask PublishAsync(string routingKey, string json) => PublishAsync(routingKey, Encoding.UTF8.GetBytes(json));

    /// <summary>Publishes a body as it is, with the producer's own <paramref name="headers"/>, if any.</summary>
    public async ValueTask PublishAsync(string routingKey, byte[] body, IDictionary<string, object?>? headers = null)
    {
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, Headers = headers };
        await _channel.BasicPublishAsync("cic.calls", routingKey, mandatory: true, properties, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
