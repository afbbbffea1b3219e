using Cic.Contracts.Calls;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Options;

namespace Cic.Usage.Calls;

/// <summary>What makes a reported call storable.</summary>
public static class CallRules
{
    /// <summary>Why the call cannot be stored, or null when it can.</summary>
    public static string? Problem(HandledCall? call, DateTimeOffset now, TimeSpan maxClockSkew)
    {
        if (call is null)
        {
            return "the call is missing";
        }

        if (string.IsNullOrWhiteSpace(call.SourceSystem))
        {
            return "SourceSystem is missing";
        }

        if (call.SourceSystem.Length > Call.MaxSourceSystemLength)
        {
            return $"SourceSystem is longer than {Call.MaxSourceSystemLength} characters";
        }

        if (string.IsNullOrWhiteSpace(call.CallId))
        {
            return $"CallId is missing (source system '{call.SourceSystem}')";
        }

        if (call.CallId.Length > Call.MaxCallIdLength)
        {
            return $"CallId is longer than {Call.MaxCallIdLength} characters (source system '{call.SourceSystem}')";
        }

        var which = $"call '{call.SourceSystem}/{call.CallId}'";
        if (call.CompanyId == Guid.Empty)
        {
            return $"CompanyId is missing ({which})";
        }

        if (call.HandledAt == default)
        {
            return $"HandledAt is missing ({which})";
        }

        if (call.HandledAt > now + maxClockSkew)
        {
            return $"HandledAt {call.HandledAt:O} is more than {maxClockSkew} in the future ({which})";
        }

        if (call.DurationMs < 0)
        {
            return $"DurationMs is negative ({which})";
        }

        return null;
    }

    public static HandledCall ToHandledCall(this CallHandled message) =>
        new(message.SourceSystem, message.CallId, message.CompanyId, message.HandledAt, message.DurationMs);
}

/// <summary>
/// Refuses an invalid message on its own, before it joins a batch: it goes to the endpoint's
/// <c>_error</c> queue with the reason, and the valid messages it arrived with are stored as usual.
/// (A batch consumer that threw would fail every message of its batch.)
/// </summary>
public sealed class CallValidationFilter<TMessage>(
    Func<TMessage, DateTimeOffset, TimeSpan, string?> validate,
    TimeProvider time,
    IOptions<IngestOptions> options) : IFilter<ConsumeContext<TMessage>>, IPipeSpecification<ConsumeContext<TMessage>>
    where TMessage : class
{
    public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var problem = validate(context.Message, time.GetUtcNow(), options.Value.MaxClockSkew);
        return problem is null ? next.Send(context) : throw new InvalidMessageException(problem);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("call-validation");

    public void Apply(IPipeBuilder<ConsumeContext<TMessage>> builder) => builder.AddFilter(this);

    public IEnumerable<ValidationResult> Validate() => [];
}
