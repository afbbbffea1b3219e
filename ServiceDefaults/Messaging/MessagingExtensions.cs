using Cic.ServiceDefaults.Background;
using Cic.ServiceDefaults.Monitoring;
using Cic.ServiceDefaults.Persistence;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>The connection string every service reads the broker under (an amqp:// URI), as the AppHost names it.</summary>
    public const string ConnectionName = "messaging";

    /// <summary>
    /// MassTransit on RabbitMQ from <c>ConnectionStrings:messaging</c> (an amqp:// URI): kebab-case
    /// endpoints on quorum queues, publisher confirms, bounded retries then the <c>_error</c> queue, and
    /// the transactional outbox relay and inbox on the service's database. Call after
    /// <see cref="DatabaseExtensions.AddServiceDatabase{TDb}"/>.
    /// </summary>
    /// <param name="builder">The service's builder.</param>
    /// <param name="consumers">Registers the service's consumers.</param>
    public static IHostApplicationBuilder AddMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? consumers = null)
    {
        if (!builder.Services.Any(service => service.ServiceType == typeof(OutboxSignal)))
        {
            // The migrator must be registered (and so start) before the bus, or consumers would run on an old schema.
            throw new InvalidOperationException("Call AddServiceDatabase before AddMessaging.");
        }

        builder.Services.AddSectionOptions<MessagingOptions>(MessagingOptions.Section)
            .Validate(o => o.RetryIntervals.All(wait => wait >= TimeSpan.Zero), "Messaging:RetryIntervals must not be negative.");
        builder.Services.AddBackgroundWork<OutboxRelay>();
        builder.Services.AddBackgroundWork<MessagingHousekeeping>();
        builder.Services.AddSingleton<ErrorQueues>();
        builder.AddMessagingGauges();

        builder.Services.AddMassTransit(bus =>
        {
            // Queues carry the service's name: two services consuming the same event each need their
            // own queue, or they would compete for its messages instead of each getting every one.
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(EndpointPrefix(builder), includeNamespace: false));
            consumers?.Invoke(bus);

            bus.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                context.GetRequiredService<ErrorQueues>().Register(name);
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }

                // Retry outside the inbox, so every attempt runs in a fresh transaction.
                endpoint.UseMessageRetry(retry => retry
                    .Intervals(options.RetryIntervals)
                    .Ignore<InvalidMessageException>());
                endpoint.UseConsumeFilter(typeof(InboxFilter<>), context);
                // A fault is moved to the _error queue with the headers that fit in a frame, so one producer's
                // oversized message cannot close the connection over and over.
                endpoint.ConfigureError(error =>
                {
                    error.UseFilter(new GenerateFaultFilter());
                    error.UseFilter(new FittedErrorTransportFilter());
                });
            });

            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                // An amqp:// URI carrying the credentials and the virtual host.
                var broker = new Uri(DatabaseExtensions.RequiredConnectionString(context.GetRequiredService<IConfiguration>(), ConnectionName));
                rabbit.Host(broker, builder.Environment.ApplicationName, host =>
                {
                    // On by default; stated because the outbox relies on it: a publish completes only once the broker has the message.
                    host.PublisherConfirmation = true;
                });
                rabbit.PrefetchCount = options.PrefetchCount;
                rabbit.ConfigureEndpoints(context);
            });
        });

        return builder;
    }

    /// <summary>
    /// The outbox backlog and the age of its oldest unsent message (Degraded past <c>Pipeline:Thresholds:OutboxOldestUnsentSeconds</c>,
    /// default 5 min: events are not reaching the other services), and the depth of every <c>_error</c> queue of the
    /// service (Degraded past <c>Pipeline:Thresholds:ErrorQueueDepth</c>, default 0: any failed message needs a look),
    /// and each input queue's depth and how long nothing has consumed it (Degraded past
    /// <c>Pipeline:Thresholds:UnreadQueueSeconds</c>, default 60 s: a stopped consumer, not a restart).
    /// </summary>
    private static void AddMessagingGauges(this IHostApplicationBuilder builder)
    {
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.outbox.backlog", "{message}", "Integration events committed but not yet published to the broker",
            async (services, ct) => await services.GetRequiredService<DbContext>().Set<OutboxMessage>().CountAsync(m => m.SentAt == null, ct)));
        builder.AddPipelineGauge(PipelineGauge.Of(
            "cic.outbox.oldest_unsent_age", "s", "Age of the oldest integration event not yet published (0 when none)",
            async (services, ct) =>
            {
                var oldest = await services.GetRequiredService<DbContext>().Set<OutboxMessage>()
                    .Where(m => m.SentAt == null).OrderBy(m => m.Sequence).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(ct);
                return PipelineGauge.AgeSeconds(oldest, services.GetRequiredService<TimeProvider>().GetUtcNow());
            }) with
        {
            ThresholdKey = "OutboxOldestUnsentSeconds",
            DefaultThreshold = 300,
            Reason = r => $"the oldest unpublished event in the outbox is {PipelineGauge.Duration(r.Value)} old (is the broker reachable?)",
        });
        builder.AddPipelineGauge(new PipelineGauge(
            "cic.messaging.error_queue.depth", "{message}", "Failed messages waiting in each _error queue of the service for on-call to look at and replay",
            async (services, ct) => (await services.GetRequiredService<ErrorQueues>().DepthsAsync(ct)).Select(d => new PipelineReading(d.Depth, d.ErrorQueue)).ToList())
        {
            TagName = "messaging.destination.name",
            ThresholdKey = "ErrorQueueDepth",
            DefaultThreshold = 0,
            Reason = r => $"{r.Tag} holds {r.Value:0} failed message(s) (GET /error-queues/{r.Tag}/messages)",
        });
        builder.AddPipelineGauge(new PipelineGauge(
            "cic.messaging.queue.depth", "{message}", "Messages waiting in each input queue of the service",
            async (services, ct) => (await InputQueuesAsync(services, ct)).Select(q => new PipelineReading(q.Messages, q.Queue)).ToList())
        {
            TagName = "messaging.destination.name",
        });
        builder.AddPipelineGauge(new PipelineGauge(
            "cic.messaging.queue.unread_age", "s", "How long each input queue of the service has had no consumer at all (0 while one reads it)",
            async (services, ct) => (await InputQueuesAsync(services, ct)).Select(q => new PipelineReading(q.Unread.TotalSeconds, q.Queue)).ToList())
        {
            TagName = "messaging.destination.name",
            ThresholdKey = "UnreadQueueSeconds",
            DefaultThreshold = 60,
            Reason = r => $"nothing has consumed {r.Tag} for {PipelineGauge.Duration(r.Value)}: its messages wait (a stopped receive endpoint or consumer)",
        });
    }

    private static Task<IReadOnlyList<(string Queue, long Messages, TimeSpan Unread)>> InputQueuesAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<ErrorQueues>().InputQueueStatesAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);

    /// <summary><c>Messaging:EndpointPrefix</c>, or the service's name: <c>Cic.Usage</c> consumes on <c>usage-…</c> queues.</summary>
    private static string EndpointPrefix(IHostApplicationBuilder builder)
    {
        if (builder.Configuration["Messaging:EndpointPrefix"] is { Length: > 0 } configured)
        {
            return configured;
        }

        var name = builder.Environment.ApplicationName;
        name = name.StartsWith("Cic.", StringComparison.Ordinal) ? name[4..] : name;
        return name.Replace('.', '-').ToLowerInvariant();
    }
}
