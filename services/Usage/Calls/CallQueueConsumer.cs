using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Cic.Contracts.Calls;
using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Messaging;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Cic.Usage.Calls;

/// <summary>
/// Consumes a call queue on one AMQP channel and stores what arrives a batch at a time: each message
/// is read and checked as it is delivered; a batch (up to the batch size, or whatever arrived within
/// the batch time limit) is stored in one transaction; refused messages are moved to the error queue
/// with their reason; then the whole batch is acknowledged with one <c>basic.ack multiple</c>.
/// Nothing is acknowledged before it is stored or in the error queue, so a crash or lost connection
/// only redelivers, and a redelivery stores and counts nothing again.
/// </summary>
internal sealed partial class CallQueueConsumer : AsyncDefaultBasicConsumer
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly Channel<Delivery> _deliveries = System.Threading.Channels.Channel.CreateUnbounded<Delivery>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly CallContract _contract;
    private readonly IngestOptions _options;
    private readonly IServiceScopeFactory _scopes;
    private readonly CallIngestionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly int _batchSize;
    private readonly uint _frameMax;

    private CallQueueConsumer(
        IChannel channel, uint frameMax, CallContract contract, IngestOptions options, IServiceScopeFactory scopes, CallIngestionMetrics metrics, TimeProvider time, ILogger log)
        : base(channel)
    {
        _frameMax = frameMax;
        _contract = contract;
        _options = options;
        _scopes = scopes;
        _metrics = metrics;
        _time = time;
        _log = log;
        _batchSize = contract.BatchSize(options);
        channel.ChannelShutdownAsync += (_, reason) =>
        {
            _deliveries.Writer.TryComplete(new ChannelLostException($"The channel consuming {contract.Queue} closed: {reason.ReplyText}"));
            return Task.CompletedTask;
        };
    }

    /// <summary>Opens a channel on <paramref name="connection"/> and starts consuming the queue of <paramref name="contract"/>; <see cref="RunAsync"/> then stores what arrives.</summary>
    public static async Task<CallQueueConsumer> StartAsync(
        IConnection connection,
        CallContract contract,
        IngestOptions options,
        IServiceScopeFactory scopes,
        CallIngestionMetrics metrics,
        TimeProvider time,
        ILogger log,
        CancellationToken cancellationToken)
    {
        // Confirms, because a refused message is acknowledged only once the error queue has it.
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        var consumer = new CallQueueConsumer(channel, connection.FrameMax, contract, options, scopes, metrics, time, log);
        // Twice the batch: the next batch arrives while this one is being stored.
        var prefetch = (ushort)Math.Min(ushort.MaxValue, consumer._batchSize * 2);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
        await channel.BasicConsumeAsync(contract.Queue, autoAck: false, consumer, cancellationToken);
        return consumer;
    }

    public override Task HandleBasicDeliverAsync(
        string consumerTag,
        ulong deliveryTag,
        bool redelivered,
        string exchange,
        string routingKey,
        IReadOnlyBasicProperties properties,
        ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
    {
        // The body is only valid during this call: read it now, and keep a copy for the error queue.
        CallMessage message;
        try
        {
            message = _contract.Read(body.Span, properties.ContentType, _time.GetUtcNow(), _options.MaxClockSkew);
        }
        catch (Exception e)
        {
            // Whatever a body holds, it must not stop the queue: refuse it with what went wrong.
            message = CallMessage.Refused($"the message could not be read: {e.Message}");
        }

        _deliveries.Writer.TryWrite(new Delivery(deliveryTag, message, body.ToArray(), properties));
        return Task.CompletedTask;
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        // The broker cancelled the consumer (e.g. the queue was deleted): start over with a new session.
        _deliveries.Writer.TryComplete(new ChannelLostException($"The broker cancelled the consumer of {_contract.Queue}"));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stores batches until <paramref name="stopping"/>; the batch in hand is finished and acknowledged
    /// first. Throws when the channel is lost, leaving what it did not acknowledge to be redelivered.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var batch = new List<Delivery>(_batchSize);
        try
        {
            while (await _deliveries.Reader.WaitToReadAsync(stopping))
            {
                await FillAsync(batch, stopping);
                await StoreAsync(batch, stopping);
                // Deliveries on a channel arrive in tag order and batches are taken in that order: one
                // multiple ack covers exactly this batch.
                await Channel.BasicAckAsync(batch[^1].Tag, multiple: true, CancellationToken.None);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: what was not acknowledged returns to the queue when the channel closes.
        }
    }

    /// <summary>Takes deliveries until the batch is full or the time limit since its first one has passed.</summary>
    private async Task FillAsync(List<Delivery> batch, CancellationToken stopping)
    {
        var reader = _deliveries.Reader;
        using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeLimit.CancelAfter(_options.BatchTimeLimit);
        while (true)
        {
            while (batch.Count < _batchSize && reader.TryRead(out var delivery))
            {
                batch.Add(delivery);
            }

            if (batch.Count == _batchSize)
            {
                return;
            }

            try
            {
                if (!await reader.WaitToReadAsync(timeLimit.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (timeLimit.IsCancellationRequested)
            {
                // Time is up (or the service stops): store what is in hand.
                return;
            }
        }
    }

    private async Task StoreAsync(List<Delivery> batch, CancellationToken stopping)
    {
        // The batch continues the trace of its first message that carries one (W3C traceparent, as MassTransit and
        // instrumented AMQP clients send it) and links the others, so a call's trace goes on through its tally.
        var traces = batch.Select(d => TraceOf(d.Properties)).Where(t => t != default).ToList();
        using var activity = CallIngestionMetrics.Activities.StartActivity(
            $"{_contract.Queue} store", ActivityKind.Consumer, traces.FirstOrDefault(), links: traces.Skip(1).Select(t => new ActivityLink(t)));
        activity?.SetTag("messaging.destination.name", _contract.Queue);
        activity?.SetTag("messaging.batch.message_count", batch.Count);

        var refused = batch.Where(d => d.Message.Problem is not null).Select(d => (d, d.Message.Problem!)).ToList();
        var accepted = batch.Where(d => d.Message.Problem is null).ToList();
        if (accepted.Count > 0 && await TryRecordAsync(accepted.SelectMany(d => d.Message.Calls).ToList(), stopping) is not null)
        {
            // The database refused something in these calls that the checks let through (e.g. a NUL
            // character in an id). Store message by message, so only the culprits are refused.
            foreach (var delivery in accepted)
            {
                if (await TryRecordAsync(delivery.Message.Calls, stopping) is { } fault)
                {
                    refused.Add((delivery, $"the database refused its calls: {fault.Message}"));
                }
            }
        }

        foreach (var (delivery, reason) in refused)
        {
            await MoveToErrorQueueAsync(delivery, reason);
        }
    }

    /// <summary>
    /// Stores the calls; returns null, or the fault when the calls themselves cannot be stored. Any other
    /// failure (the database down or restarting, a deadlock) is waited out: valid calls are never refused for it.
    /// </summary>
    private async Task<Exception?> TryRecordAsync(IReadOnlyList<HandledCall> calls, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                var recorder = scope.ServiceProvider.GetRequiredService<CallRecorder>();
                // Not cancelled on stop: a statement in flight finishes (milliseconds) and its batch is acknowledged.
                var stored = await recorder.RecordAsync(calls, CancellationToken.None);
                _metrics.Stored(_contract, calls.Count, stored);
                return null;
            }
            catch (Exception e) when (IsFaultOfTheCalls(e))
            {
                return e;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                var delay = ExponentialBackoff.After(attempt, FirstRetryDelay, MaxRetryDelay);
                LogStoreFailed(e, _contract.Queue, calls.Count, attempt, delay);
                await Task.Delay(delay, _time, stopping);
            }
        }
    }

    private static ActivityContext TraceOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue("traceparent", out var header) == true
        && header is byte[] bytes
        && ActivityContext.TryParse(Encoding.UTF8.GetString(bytes), null, out var context)
            ? context
            : default;

    /// <summary>Data the database cannot hold (SQLSTATE class 22), as opposed to trouble with the database itself.</summary>
    private static bool IsFaultOfTheCalls(Exception e) =>
        e is PostgresException { SqlState: ['2', '2', ..] } or ArgumentException or InvalidCastException;

    private async Task MoveToErrorQueueAsync(Delivery delivery, string reason)
    {
        LogRefused(_contract.Queue, reason);
        var original = delivery.Properties;
        // MassTransit's fault headers, so operators' tools read these error queues like every other one; with the
        // producer's headers as far as they fit in one frame (a message near frame_max must still leave the queue).
        KeyValuePair<string, object?>[] fault =
        [
            new("MT-Fault-Message", reason),
            new("MT-Reason", "fault"),
            new("MT-Fault-ExceptionType", delivery.Message.Problem is null ? "Cic.Usage.Calls.DatabaseRefusedCalls" : "Cic.Usage.Calls.InvalidCallMessage"),
            new("MT-Fault-Timestamp", _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
            new("MT-Fault-InputAddress", _contract.Queue),
            new("MT-Host-MachineName", Environment.MachineName),
            new("MT-Host-ProcessName", Environment.ProcessPath is { } path ? Path.GetFileNameWithoutExtension(path) : ""),
        ];
        var headers = ErrorQueueHeaders.Fit(original.Headers, fault, ErrorQueueHeaders.Room(_frameMax));
        var properties = new BasicProperties
        {
            ContentType = original.ContentType,
            ContentEncoding = original.ContentEncoding,
            MessageId = original.MessageId,
            CorrelationId = original.CorrelationId,
            Type = original.Type,
            AppId = original.AppId,
            Timestamp = original.Timestamp,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = headers,
        };
        // Returns once the broker confirms it holds the message.
        await Channel.BasicPublishAsync(_contract.ErrorQueue, "", mandatory: false, properties, delivery.Body);
        _metrics.Refused(_contract, delivery.Message.Calls.Select(c => c.SourceSystem).FirstOrDefault());
    }

    [LoggerMessage(LogLevel.Warning, "Refused a message from {Queue} (moved to its error queue): {Reason}")]
    private partial void LogRefused(string queue, string reason);

    [LoggerMessage(LogLevel.Warning, "Storing {Calls} calls from {Queue} failed (attempt {Attempt}); trying again in {Delay}")]
    private partial void LogStoreFailed(Exception exception, string queue, int calls, int attempt, TimeSpan delay);

    /// <summary>A message in hand: what it says, and its body and properties for the error queue.</summary>
    private sealed record Delivery(ulong Tag, CallMessage Message, byte[] Body, IReadOnlyBasicProperties Properties);
}

/// <summary>The channel a consumer read from is gone; its unacknowledged deliveries return to the queue.</summary>
public sealed class ChannelLostException(string message) : Exception(message);
