using Cic.Contracts.Calls;
using Cic.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cic.Usage.Calls;

/// <summary>
/// How calls reach the service. MassTransit producers publish <see cref="CallHandled"/> or
/// <see cref="CallsHandled"/> as usual (to the exchanges MassTransit names after the types).
/// Producers on any platform may instead publish plain JSON (content type <c>application/json</c>, or
/// none) to the direct exchange <see cref="Exchange"/> with routing key <see cref="CallHandledRoutingKey"/>
/// or <see cref="CallsHandledRoutingKey"/>. Both arrive on the same two queues, <c>usage-call-handled</c>
/// and <c>usage-calls-handled</c>.
/// </summary>
/// <remarks>
/// These two queues are read with RabbitMQ.Client directly, not through MassTransit like the service's
/// other events: at one call per message MassTransit's receive pipeline cost ~100 µs of CPU per message,
/// which capped ingestion at ~40 % of what the broker moves on a 2-core machine (docs/usage.md). The
/// topology, the quorum queues and the <c>_error</c> queues with MassTransit's fault headers are the same
/// as MassTransit's, so producers and operators see no difference.
/// </remarks>
public static class CallIngestion
{
    public const string Exchange = "cic.calls";
    public const string CallHandledRoutingKey = "call.handled";
    public const string CallsHandledRoutingKey = "calls.handled";

    /// <summary>Reading, storing and tallying calls from both call queues, reported by <c>/health</c> as <c>call-queues</c>.</summary>
    public static IHostApplicationBuilder AddCallIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<IngestOptions>(IngestOptions.Section);
        builder.Services.AddScoped<CallRecorder>();
        builder.Services.AddSingleton<CallIngestionMetrics>();
        builder.Services.AddSingleton<CallQueues>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CallQueues>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "call-queues", services => services.GetRequiredService<CallQueues>(), HealthStatus.Unhealthy, []));
        return builder;
    }
}

/// <summary>One of the two call contracts: the queue it arrives on, how producers reach that queue, and how its messages read.</summary>
/// <param name="Queue">The queue, and the fanout exchange in front of it.</param>
/// <param name="RoutingKey">Plain JSON producers' routing key on <see cref="CallIngestion.Exchange"/>.</param>
/// <param name="MessageTypeExchange">MassTransit producers' exchange (<c>namespace:type</c>).</param>
/// <param name="BatchSize">Messages stored in one transaction.</param>
/// <param name="Read">Reads and checks one message.</param>
public sealed record CallContract(
    string Queue,
    string RoutingKey,
    string MessageTypeExchange,
    Func<IngestOptions, int> BatchSize,
    CallContract.Reader Read)
{
    public delegate CallMessage Reader(ReadOnlySpan<byte> body, string? contentType, DateTimeOffset now, TimeSpan maxClockSkew);

    public static readonly CallContract OneCall = new(
        "usage-call-handled",
        CallIngestion.CallHandledRoutingKey,
        MassTransitExchangeOf<CallHandled>(),
        options => options.CallHandledBatchSize,
        CallMessages.ReadCallHandled);

    public static readonly CallContract ManyCalls = new(
        "usage-calls-handled",
        CallIngestion.CallsHandledRoutingKey,
        MassTransitExchangeOf<CallsHandled>(),
        options => options.CallsHandledBatchSize,
        CallMessages.ReadCallsHandled);

    public static IReadOnlyList<CallContract> All { get; } = [OneCall, ManyCalls];

    /// <summary>Where refused messages go, with the reason: the queue and its fanout exchange.</summary>
    public string ErrorQueue => Queue + "_error";

    private static string MassTransitExchangeOf<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";
}
