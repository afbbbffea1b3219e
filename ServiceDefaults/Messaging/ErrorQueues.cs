using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cic.ServiceDefaults.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>A message in an <c>_error</c> queue, as on-call reads it before choosing to replay it.</summary>
/// <param name="Id">The message id, or for a producer's message without one a hash of its body: what replay is asked for.</param>
/// <param name="Reason">Why it failed (<c>MT-Fault-Message</c>).</param>
/// <param name="ExceptionType">The failure's kind (<c>MT-Fault-ExceptionType</c>).</param>
/// <param name="FailedAt">When it was moved to the error queue after its last attempt (<c>MT-Fault-Timestamp</c>).</param>
/// <param name="Body">The body as text (UTF-8), as the producer sent it.</param>
/// <param name="ReplayedBefore">Who replayed it before and when, if it failed again after a replay.</param>
public sealed record FailedMessage(
    string Id,
    string? Reason,
    string? ExceptionType,
    DateTimeOffset? FailedAt,
    string? ContentType,
    string Body,
    string? ReplayedBefore);

/// <summary>The outcome of a replay: which ids went back to their queue, and which were not (or no longer) in the error queue.</summary>
public sealed record ReplayResult(string Queue, IReadOnlyList<string> Replayed, IReadOnlyList<string> NotFound);

/// <summary>
/// The service's <c>_error</c> queues: their depth (for the <c>cic.messaging.error_queue.depth</c> gauge), their
/// messages, and replay of chosen ones to the queue they failed on. Reading takes the messages without
/// acknowledging them and closes the channel, so they all stay. Replay publishes a chosen message (same id,
/// body and headers, less the fault headers, plus who replayed it) to its queue's exchange with publisher
/// confirms and only then acknowledges it in the error queue: a crash in between leaves a copy in both, and
/// consumers' inboxes make the second harmless.
/// </summary>
public sealed partial class ErrorQueues(IConfiguration configuration, ILogger<ErrorQueues> log) : IAsyncDisposable
{
    public const string ReplayedByHeader = "CIC-Replayed-By";
    public const string ReplayedAtHeader = "CIC-Replayed-At";
    private const string Suffix = "_error";

    private readonly ConcurrentDictionary<string, byte> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unreadSince = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    /// <summary>The service's input queues (MassTransit endpoints register themselves; other consumers call <see cref="Register"/>).</summary>
    public IReadOnlyCollection<string> InputQueues => _queues.Keys.Order(StringComparer.Ordinal).ToList();

    public void Register(string inputQueue) => _queues.TryAdd(inputQueue, 0);

    /// <summary>The input queue an error queue belongs to, if it is one of this service's.</summary>
    public bool TryInputQueueOf(string errorQueue, out string inputQueue)
    {
        inputQueue = errorQueue.EndsWith(Suffix, StringComparison.Ordinal) ? errorQueue[..^Suffix.Length] : "";
        return inputQueue.Length > 0 && _queues.ContainsKey(inputQueue);
    }

    /// <summary>Messages in each error queue of the service (0 when a queue has never had one and so does not exist).</summary>
    public async Task<IReadOnlyList<(string ErrorQueue, long Depth)>> DepthsAsync(CancellationToken cancellationToken) =>
        (await DeclaredAsync(InputQueues.Select(q => q + Suffix), cancellationToken)).Select(q => (q.Queue, Math.Max(0, q.Messages))).ToList();

    /// <summary>
    /// The service's input queues as the broker has them: messages waiting, and for how long nothing has consumed
    /// them (this instance or any other; zero while something does, and for a queue not declared yet). A queue nobody
    /// reads is a stopped consumer: its messages wait until one is back.
    /// </summary>
    public async Task<IReadOnlyList<(string Queue, long Messages, TimeSpan Unread)>> InputQueueStatesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var states = new List<(string, long, TimeSpan)>();
        foreach (var (queue, messages, consumers) in await DeclaredAsync(InputQueues, cancellationToken))
        {
            var unreadSince = consumers == 0 && messages >= 0 ? _unreadSince.GetOrAdd(queue, now) : (DateTimeOffset?)null;
            if (unreadSince is null)
            {
                _unreadSince.TryRemove(queue, out _);
            }

            states.Add((queue, Math.Max(0, messages), unreadSince is { } since ? now - since : TimeSpan.Zero));
        }

        return states;
    }

    /// <summary>Each queue's message and consumer counts (a passive declare); -1 messages for a queue that does not exist (yet).</summary>
    private async Task<IReadOnlyList<(string Queue, long Messages, long Consumers)>> DeclaredAsync(IEnumerable<string> queues, CancellationToken cancellationToken)
    {
        if (_queues.IsEmpty)
        {
            // A service that consumes nothing (Accounts) needs no connection of its own for this.
            return [];
        }

        var connection = await ConnectionAsync(cancellationToken);
        var states = new List<(string, long, long)>();
        IChannel? channel = null;
        try
        {
            foreach (var queue in queues)
            {
                channel ??= await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                    states.Add((queue, declared.MessageCount, declared.ConsumerCount));
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    // No such queue (yet): nothing ever waited there. The broker closed the channel.
                    states.Add((queue, -1, 0));
                    channel.Dispose();
                    channel = null;
                }
            }
        }
        finally
        {
            if (channel is not null)
            {
                await channel.CloseAsync(CancellationToken.None);
                channel.Dispose();
            }
        }

        return states;
    }

    /// <summary>Up to <paramref name="limit"/> messages of <paramref name="errorQueue"/>, oldest first; they all stay in the queue.</summary>
    public async Task<IReadOnlyList<FailedMessage>> PeekAsync(string errorQueue, int limit, CancellationToken cancellationToken)
    {
        var messages = new List<FailedMessage>();
        await using var channel = await OpenAsync(errorQueue, cancellationToken);
        if (channel is null)
        {
            return messages;
        }

        // Taken unacknowledged, then returned to the queue when the channel closes.
        while (messages.Count < limit && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } got)
        {
            messages.Add(Read(got));
        }

        return messages;
    }

    /// <summary>Sends the messages of <paramref name="errorQueue"/> with the given ids (all, when null) back to their queue; audited in the log.</summary>
    public async Task<ReplayResult> ReplayAsync(string errorQueue, IReadOnlyCollection<string>? ids, string staff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!TryInputQueueOf(errorQueue, out var inputQueue))
        {
            throw new ArgumentException($"{errorQueue} is not an error queue of this service.", nameof(errorQueue));
        }

        var replayed = new List<string>();
        await using var channel = await OpenAsync(errorQueue, cancellationToken, confirms: true);
        if (channel is not null)
        {
            // Only what is there now: a message that fails again while this runs waits for the next replay.
            var depth = (await channel.QueueDeclarePassiveAsync(errorQueue, cancellationToken)).MessageCount;
            for (var i = 0; i < depth && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } got; i++)
            {
                var message = Read(got);
                if (ids is not null && !ids.Contains(message.Id))
                {
                    continue;
                }

                var properties = new BasicProperties(got.BasicProperties)
                {
                    Headers = (got.BasicProperties.Headers ?? new Dictionary<string, object?>())
                        .Where(h => !IsFaultHeader(h.Key))
                        .Append(new(ReplayedByHeader, staff))
                        .Append(new(ReplayedAtHeader, now.ToString("O", CultureInfo.InvariantCulture)))
                        .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
                };
                // The input queue's own fanout exchange (MassTransit's topology, and the call queues'): only this consumer gets it again.
                await channel.BasicPublishAsync(inputQueue, "", mandatory: true, properties, got.Body, cancellationToken);
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken);
                replayed.Add(message.Id);
            }
        }

        var notFound = ids?.Except(replayed, StringComparer.Ordinal).ToList() ?? [];
        LogReplayed(staff, replayed.Count, errorQueue, inputQueue, string.Join(", ", replayed), notFound.Count);
        return new ReplayResult(errorQueue, replayed, notFound);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _connecting.Dispose();
    }

    private static bool IsFaultHeader(string key) =>
        key.StartsWith("MT-Fault-", StringComparison.Ordinal) || key.StartsWith("MT-Host-", StringComparison.Ordinal)
        || key is "MT-Reason" or ErrorQueueHeaders.DroppedHeader or ReplayedByHeader or ReplayedAtHeader;

    private static FailedMessage Read(BasicGetResult got)
    {
        var headers = got.BasicProperties.Headers ?? new Dictionary<string, object?>();
        string? Header(string key) => headers.TryGetValue(key, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        } : null;

        var id = got.BasicProperties.MessageId is { Length: > 0 } messageId
            ? messageId
            : Convert.ToHexStringLower(SHA256.HashData(got.Body.Span))[..32];
        var failedAt = DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
        var replayedBy = Header(ReplayedByHeader);
        return new FailedMessage(
            id,
            Header("MT-Fault-Message"),
            Header("MT-Fault-ExceptionType"),
            failedAt,
            got.BasicProperties.ContentType,
            Encoding.UTF8.GetString(got.Body.Span),
            replayedBy is null ? null : $"{replayedBy} at {Header(ReplayedAtHeader)}");
    }

    /// <summary>A channel on the queue, or null when it does not exist (nothing ever failed there).</summary>
    private async Task<IChannel?> OpenAsync(string queue, CancellationToken cancellationToken, bool confirms = false)
    {
        var connection = await ConnectionAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms), cancellationToken);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return channel;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            channel.Dispose();
            return null;
        }
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } again)
            {
                return again;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var broker = new Uri(DatabaseExtensions.RequiredConnectionString(configuration, MessagingExtensions.ConnectionName));
            _connection = await new ConnectionFactory { Uri = broker, ClientProvidedName = "error-queues" }.CreateConnectionAsync(cancellationToken);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(LogLevel.Warning, "AUDIT: {Staff} replayed {Count} messages from {ErrorQueue} to {Queue}: {Ids} ({NotFound} asked for were not there)")]
    private partial void LogReplayed(string staff, int count, string errorQueue, string queue, string ids, int notFound);
}
