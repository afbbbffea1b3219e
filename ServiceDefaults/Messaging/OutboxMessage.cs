using System.Diagnostics;
using System.Text.Json;
using Cic.Contracts;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// An integration event waiting to be published, saved in the same transaction as the state change
/// it reports. The relay publishes it after commit, with <see cref="MessageId"/> as the message id,
/// so consumers' inboxes recognise a re-publish.
/// </summary>
public sealed class OutboxMessage
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Insertion order; the relay publishes oldest first.</summary>
    public long Sequence { get; private set; }

    public Guid MessageId { get; private set; }

    /// <summary>The event's CLR type, as <c>Namespace.Type, Assembly</c>.</summary>
    public string MessageType { get; private set; } = "";

    public string Body { get; private set; } = "";

    /// <summary>The W3C trace context of the change, so the consumer's trace continues the request's.</summary>
    public string? TraceParent { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? SentAt { get; internal set; }

    /// <summary>Failed publish attempts, and when the relay may try again.</summary>
    public int Attempts { get; internal set; }

    public DateTimeOffset? NextAttemptAt { get; internal set; }

    public string? LastError { get; internal set; }

    internal static OutboxMessage For<TEvent>(TEvent @event) where TEvent : class, IIntegrationEvent => new()
    {
        MessageId = @event.EventId,
        MessageType = TypeName(typeof(TEvent)),
        Body = JsonSerializer.Serialize(@event, Json),
        TraceParent = Activity.Current?.Id,
        CreatedAt = @event.OccurredAt.ToUniversalTime(),
    };

    internal static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    internal (object Message, Type Type) Deserialize()
    {
        var type = Type.GetType(MessageType, throwOnError: true)!;
        return (JsonSerializer.Deserialize(Body, type, Json)!, type);
    }
}

/// <summary>A message a consumer has already processed; its effect is committed in the same transaction.</summary>
public sealed class InboxMessage
{
    /// <summary>The consuming endpoint (queue) name: one consumer per endpoint.</summary>
    public string Consumer { get; init; } = "";

    public Guid MessageId { get; init; }

    public DateTimeOffset ProcessedAt { get; init; }
}
