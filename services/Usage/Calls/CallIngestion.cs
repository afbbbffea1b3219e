using Cic.Contracts.Calls;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Cic.Usage.Calls;

/// <summary>
/// How calls reach the service. MassTransit producers publish <see cref="CallHandled"/> or
/// <see cref="CallsHandled"/> as usual. Producers on any platform may instead publish plain JSON
/// (content type <c>application/json</c>, or none) to the direct exchange <see cref="Exchange"/>
/// with routing key <see cref="CallHandledRoutingKey"/> or <see cref="CallsHandledRoutingKey"/>.
/// Both arrive on the same two queues, <c>usage-call-handled</c> and <c>usage-calls-handled</c>.
/// </summary>
public static class CallIngestion
{
    public const string Exchange = "cic.calls";
    public const string CallHandledRoutingKey = "call.handled";
    public const string CallsHandledRoutingKey = "calls.handled";

    /// <summary>The batch consumers of calls and their endpoints.</summary>
    public static IBusRegistrationConfigurator AddCallIngestion(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CallHandledConsumer, CallHandledConsumerDefinition>();
        bus.AddConsumer<CallsHandledConsumer, CallsHandledConsumerDefinition>();
        return bus;
    }

    /// <summary>Calls dedupe by their own key in bulk; a per-message inbox transaction would defeat batching.</summary>
    public static InboxExclusions ExcludeCallIngestion(this InboxExclusions inbox) =>
        inbox.Exclude<CallHandled>().Exclude<CallsHandled>();

    public static IServiceCollection AddCallRecording(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section);
        services.AddScoped<CallRecorder>();
        // On shutdown, batches in hand finish (store and acknowledge) before the container goes away;
        // a batch outliving the container would fail and send its messages to the error queue.
        services.Configure<MassTransitHostOptions>(host =>
        {
            host.ConsumerStopTimeout = TimeSpan.FromSeconds(20);
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(40));
        return services;
    }

    internal static void ConfigureEndpoint<TMessage>(
        IReceiveEndpointConfigurator endpoint,
        string routingKey,
        int batchSize,
        IngestOptions options,
        CallValidationFilter<TMessage> validation)
        where TMessage : class
    {
        endpoint.PrefetchCount = batchSize * options.ConcurrentBatches;
        endpoint.ConcurrentMessageLimit = batchSize * options.ConcurrentBatches;
        // Plain JSON from producers without MassTransit; MassTransit's envelopes still carry their own content type.
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Bind(Exchange, exchange =>
            {
                exchange.ExchangeType = ExchangeType.Direct;
                exchange.RoutingKey = routingKey;
            });
        }

        endpoint.AddPipeSpecification(validation);
    }
}

public sealed class CallHandledConsumerDefinition : ConsumerDefinition<CallHandledConsumer>
{
    private readonly IOptions<IngestOptions> _options;

    public CallHandledConsumerDefinition(IOptions<IngestOptions> options)
    {
        _options = options;
        EndpointName = "usage-call-handled";
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CallHandledConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var options = _options.Value;
        CallIngestion.ConfigureEndpoint(
            endpointConfigurator,
            CallIngestion.CallHandledRoutingKey,
            options.CallHandledBatchSize,
            options,
            new CallValidationFilter<CallHandled>(
                (message, now, skew) => CallRules.Problem(message?.ToHandledCall(), now, skew),
                context.GetRequiredService<TimeProvider>(),
                _options));
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.CallHandledBatchSize)
            .SetTimeLimit(options.BatchTimeLimit)
            .SetConcurrencyLimit(options.ConcurrentBatches));
    }
}

public sealed class CallsHandledConsumerDefinition : ConsumerDefinition<CallsHandledConsumer>
{
    private readonly IOptions<IngestOptions> _options;

    public CallsHandledConsumerDefinition(IOptions<IngestOptions> options)
    {
        _options = options;
        EndpointName = "usage-calls-handled";
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CallsHandledConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var options = _options.Value;
        CallIngestion.ConfigureEndpoint(
            endpointConfigurator,
            CallIngestion.CallsHandledRoutingKey,
            options.CallsHandledBatchSize,
            options,
            new CallValidationFilter<CallsHandled>(
                Problem,
                context.GetRequiredService<TimeProvider>(),
                _options));
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.CallsHandledBatchSize)
            .SetTimeLimit(options.BatchTimeLimit)
            .SetConcurrencyLimit(options.ConcurrentBatches));
    }

    /// <summary>The message is refused whole if any of its calls is invalid: it is the unit the error queue holds and a producer resends.</summary>
    private static string? Problem(CallsHandled? message, DateTimeOffset now, TimeSpan skew)
    {
        if (message?.Calls is not { Count: > 0 } calls)
        {
            return "Calls is missing or empty";
        }

        if (calls.Count > CallsHandled.MaxCalls)
        {
            return $"Calls holds {calls.Count} calls; at most {CallsHandled.MaxCalls} are allowed per message";
        }

        for (var i = 0; i < calls.Count; i++)
        {
            if (CallRules.Problem(calls[i], now, skew) is { } problem)
            {
                return $"Calls[{i}]: {problem}";
            }
        }

        return null;
    }
}
