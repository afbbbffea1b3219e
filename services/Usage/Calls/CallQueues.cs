using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Cic.Usage.Calls;

/// <summary>
/// Consumes both call queues for as long as the service runs: connects to the broker, declares the
/// call topology, and runs <see cref="IngestOptions.ConcurrentBatches"/> consumers (channels) per
/// queue. When the connection or a channel is lost, it starts over with a new connection; what was
/// in hand unacknowledged is redelivered, and stores nothing twice. <c>/health</c> reports whether it
/// is consuming.
/// </summary>
public sealed partial class CallQueues(
    IConfiguration configuration,
    IHostEnvironment environment,
    IOptions<IngestOptions> options,
    IServiceScopeFactory scopes,
    CallIngestionMetrics metrics,
    ErrorQueues errorQueues,
    TimeProvider time,
    ILogger<CallQueues> log) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(15);
    private static readonly Dictionary<string, object?> QuorumQueue = new() { ["x-queue-type"] = "quorum" };

    private volatile string? _notConsuming = "not connected yet";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_notConsuming is { } why ? HealthCheckResult.Unhealthy(why) : HealthCheckResult.Healthy());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Their error queues are inspected and replayed like the bus's (GET /error-queues).
        foreach (var contract in CallContract.All)
        {
            errorQueues.Register(contract.Queue);
        }

        var factory = new ConnectionFactory
        {
            // An amqp:// URI carrying the credentials and the virtual host, as for the bus.
            Uri = new Uri(DatabaseExtensions.RequiredConnectionString(configuration, MessagingExtensions.ConnectionName)),
            ClientProvidedName = $"{environment.ApplicationName} calls",
            // This loop reconnects and redeclares; the client's own recovery would replay stale delivery tags.
            AutomaticRecoveryEnabled = false,
        };
        for (var failures = 0; !stoppingToken.IsCancellationRequested;)
        {
            try
            {
                await ConsumeAsync(factory, () => failures = 0, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                _notConsuming = $"reconnecting after: {e.Message}";
                var delay = ExponentialBackoff.After(failures, FirstReconnectDelay, MaxReconnectDelay);
                LogSessionFailed(e, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One connection's life: returns when the service stops, throws when the connection or a channel is lost.</summary>
    private async Task ConsumeAsync(ConnectionFactory factory, Action connected, CancellationToken stopping)
    {
        await using var connection = await factory.CreateConnectionAsync(stopping);
        await DeclareTopologyAsync(connection, stopping);

        var settings = options.Value;
        var consumers = new List<CallQueueConsumer>();
        foreach (var contract in CallContract.All)
        {
            for (var i = 0; i < settings.ConcurrentBatches; i++)
            {
                consumers.Add(await CallQueueConsumer.StartAsync(connection, contract, settings, scopes, metrics, time, log, stopping));
            }
        }

        _notConsuming = null;
        connected();
        LogConsuming(consumers.Count);

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var running = consumers.Select(consumer => consumer.RunAsync(session.Token)).ToList();
        var first = await Task.WhenAny(running);
        // One consumer lost its channel (or the service stops): the others finish their batch in hand, then
        // the connection closes and returns everything unacknowledged to the queues.
        await session.CancelAsync();
        try
        {
            await Task.WhenAll(running);
        }
        finally
        {
            _notConsuming = stopping.IsCancellationRequested ? "stopping" : "connection lost";
        }

        await first;
    }

    /// <summary>
    /// The same exchanges, queues and bindings MassTransit declares for a consumer of the contracts,
    /// plus the plain JSON exchange: MassTransit producers, plain AMQP producers and existing
    /// deployments all keep working.
    /// </summary>
    private static async Task DeclareTopologyAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(CallIngestion.Exchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var contract in CallContract.All)
        {
            await DeclareQueueAsync(channel, contract.Queue, cancellationToken);
            await DeclareQueueAsync(channel, contract.ErrorQueue, cancellationToken);
            await channel.ExchangeDeclareAsync(contract.MessageTypeExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(contract.Queue, contract.MessageTypeExchange, "", cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(contract.Queue, CallIngestion.Exchange, contract.RoutingKey, cancellationToken: cancellationToken);
        }
    }

    /// <summary>A quorum queue behind a fanout exchange of the same name, as MassTransit lays out an endpoint.</summary>
    private static async Task DeclareQueueAsync(IChannel channel, string name, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, QuorumQueue, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(name, name, "", cancellationToken: cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Consuming the call queues with {Consumers} consumers")]
    private partial void LogConsuming(int consumers);

    [LoggerMessage(LogLevel.Warning, "Consuming the call queues failed; reconnecting in {Delay}")]
    private partial void LogSessionFailed(Exception exception, TimeSpan delay);
}
