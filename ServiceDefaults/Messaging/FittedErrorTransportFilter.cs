using MassTransit;
using MassTransit.Middleware;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// Moves a faulted message to the endpoint's <c>_error</c> queue as MassTransit does, unless its headers and
/// MassTransit's fault headers together would not fit in one AMQP frame: the broker would close the whole
/// connection instead, the message would be redelivered and the same would happen again, stopping every
/// consumer of the service. Such a message is moved with the headers that fit (<see cref="ErrorQueueHeaders"/>).
/// </summary>
internal sealed class FittedErrorTransportFilter : IFilter<ExceptionReceiveContext>
{
    private readonly IFilter<ExceptionReceiveContext> _moveAsItIs = new ErrorTransportFilter();

    public void Probe(ProbeContext context) => context.CreateFilterScope("fittedErrorTransport");

    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (!context.TryGetPayload(out ChannelContext? channel) || !context.TryGetPayload(out RabbitMqBasicConsumeContext? delivery))
        {
            await _moveAsItIs.Send(context, next);
            return;
        }

        var fault = new FaultHeaders();
        fault.SetHostHeaders();
        fault.SetExceptionHeaders(context);
        var room = ErrorQueueHeaders.Room(channel.ConnectionContext.Connection.FrameMax);
        var original = delivery.Properties.Headers ?? new Dictionary<string, object?>();
        if (ErrorQueueHeaders.Fits(original.Where(h => !fault.Values.ContainsKey(h.Key)).Concat(fault.Values), room))
        {
            await _moveAsItIs.Send(context, next);
            return;
        }

        // The reason first: it is what must survive.
        var ordered = fault.Values.OrderBy(h => h.Key switch
        {
            MessageHeaders.FaultMessage => 0,
            MessageHeaders.Reason => 1,
            MessageHeaders.FaultExceptionType => 2,
            MessageHeaders.FaultStackTrace => 9,
            _ => 5,
        }).ToList();
        var properties = new BasicProperties(delivery.Properties)
        {
            Headers = ErrorQueueHeaders.Fit(original, ordered, room),
            Expiration = null,
        };
        var queue = context.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last();
        var error = $"{queue}_error";
        // The same topology MassTransit declares for an error queue (quorum, like every endpoint here).
        await channel.ExchangeDeclare(error, ExchangeType.Fanout, durable: true, autoDelete: false, new Dictionary<string, object?>(), context.CancellationToken);
        await channel.QueueDeclare(error, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, context.CancellationToken);
        await channel.QueueBind(error, error, "", new Dictionary<string, object?>(), context.CancellationToken);
        await channel.BasicPublishAsync(error, delivery.RoutingKey, true, properties, context.GetBody(), true, context.CancellationToken);
        await next.Send(context);
    }

    /// <summary>Collects the headers MassTransit would add, to weigh them before moving.</summary>
    private sealed class FaultHeaders : SendHeaders
    {
        public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);

        public void Set(string key, string? value)
        {
            if (value is null)
            {
                Values.Remove(key);
            }
            else
            {
                Values[key] = value;
            }
        }

        public void Set(string key, object? value, bool overwrite = true)
        {
            if (value is null)
            {
                Values.Remove(key);
            }
            else if (overwrite || !Values.ContainsKey(key))
            {
                Values[key] = value;
            }
        }

        public IEnumerable<KeyValuePair<string, object>> GetAll() => Values.Select(v => new KeyValuePair<string, object>(v.Key, v.Value!));

        public bool TryGetHeader(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out object value) => Values.TryGetValue(key, out value!);

        public T? Get<T>(string key, T? defaultValue = default) where T : class =>
            Values.TryGetValue(key, out var value) && value is T typed ? typed : defaultValue;

        public T? Get<T>(string key, T? defaultValue = default) where T : struct =>
            Values.TryGetValue(key, out var value) && value is T typed ? typed : defaultValue;

        public IEnumerator<HeaderValue> GetEnumerator() => Values.Select(v => new HeaderValue(v.Key, v.Value!)).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
