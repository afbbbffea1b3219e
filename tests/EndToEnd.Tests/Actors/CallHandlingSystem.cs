using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Cic.EndToEnd.Tests.Actors;

/// <summary>A call handled for a company, as another CIC system reports it.</summary>
public sealed record HandledCall(string SourceSystem, string CallId, Guid CompanyId, DateTimeOffset HandledAt, long DurationMs);

/// <summary>
/// Another CIC system that handles calls and reports each one as <c>CallHandled</c>: plain JSON published
/// to the exchange <c>cic.calls</c> with routing key <c>call.handled</c>, persistent, with publisher
/// confirms (docs/usage.md), from a plain AMQP client that knows nothing of the platform's code. Like
/// any careful producer it sends a call again when the broker did not confirm it (a broker restart, a
/// dropped connection): the platform counts each call once however often it arrives.
/// </summary>
public sealed class CallHandlingSystem(Uri broker, string sourceSystem) : IAsyncDisposable
{
    public const string Exchange = "cic.calls";
    public const string RoutingKey = "call.handled";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly BasicProperties Persistent = new() { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };

    private IConnection? _connection;
    private IChannel? _channel;

    public string SourceSystem { get; } = sourceSystem;

    /// <summary>How many times a publish had to be repeated because the broker did not confirm it.</summary>
    public int Resends { get; private set; }

    /// <summary>Calls for <paramref name="companyId"/> handled within the hour starting at <paramref name="hour"/>, with ids unique to this system.</summary>
    public IReadOnlyList<HandledCall> Calls(Guid companyId, DateTimeOffset hour, int count, string prefix)
    {
        var spacing = TimeSpan.FromHours(1) / Math.Max(count, 1);
        return Enumerable.Range(0, count)
            .Select(i => new HandledCall(SourceSystem, $"{prefix}-{i:D5}", companyId, hour + (spacing * i), 30_000 + (i % 600) * 1000))
            .ToList();
    }

    /// <summary>Publishes the calls, many in flight, and returns once the broker has confirmed every one.</summary>
    public Task PublishAsync(IReadOnlyList<HandledCall> calls, CancellationToken cancellationToken = default) =>
        PublishAsync(calls, traceParent: null, cancellationToken);

    /// <summary>The same, in the W3C trace <paramref name="traceParent"/>, as an instrumented producer sends them.</summary>
    public async Task PublishAsync(IReadOnlyList<HandledCall> calls, string? traceParent, CancellationToken cancellationToken = default)
    {
        var properties = traceParent is null
            ? Persistent
            : new BasicProperties
            {
                ContentType = Persistent.ContentType,
                DeliveryMode = Persistent.DeliveryMode,
                Headers = new Dictionary<string, object?> { ["traceparent"] = Encoding.UTF8.GetBytes(traceParent) },
            };
        const int chunkSize = 200;
        for (var i = 0; i < calls.Count; i += chunkSize)
        {
            var chunk = calls.Skip(i).Take(chunkSize).ToList();
            for (var attempt = 1; ; attempt++)
            {
                // A confirm that never comes (the connection died unnoticed) counts as not confirmed.
                using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                patience.CancelAfter(TimeSpan.FromSeconds(20));
                try
                {
                    var channel = await ChannelAsync(patience.Token);
                    await Task.WhenAll(chunk.Select(call => channel.BasicPublishAsync(
                        Exchange, RoutingKey, mandatory: false, properties, JsonSerializer.SerializeToUtf8Bytes(call, Json), patience.Token).AsTask()));
                    break;
                }
                catch (Exception e) when (IsBrokerTrouble(e) && !cancellationToken.IsCancellationRequested && attempt < 240)
                {
                    // Unconfirmed: the broker may or may not have them. Send the chunk again on a new connection.
                    Resends++;
                    await DropConnectionAsync();
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
            }
        }
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync();

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await DropConnectionAsync();
        var factory = new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        _connection = await factory.CreateConnectionAsync(SourceSystem, cancellationToken);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        return _channel;
    }

    private async Task DropConnectionAsync()
    {
        try
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
        catch (Exception e) when (IsBrokerTrouble(e))
        {
            // already gone
        }

        _channel = null;
        _connection = null;
    }

    private static bool IsBrokerTrouble(Exception e) => e switch
    {
        RabbitMQClientException or OperationInterruptedException or IOException or TimeoutException or OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsBrokerTrouble),
        _ => false,
    };
}

/// <summary>When the stories' calls are handled.</summary>
public static class CallTimes
{
    /// <summary>
    /// The UTC hour before the current one: it has ended, so the Usage service publishes its tally as
    /// soon as it has settled (a few seconds in the tests, 2 minutes under <c>./cic up</c>).
    /// </summary>
    public static DateTimeOffset PreviousHour(DateTimeOffset? now = null)
    {
        var at = (now ?? DateTimeOffset.UtcNow).ToUniversalTime();
        return new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
    }
}
