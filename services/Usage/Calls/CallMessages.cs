using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cic.Contracts.Calls;

namespace Cic.Usage.Calls;

/// <summary>What a message on a call queue says: its calls, or why it is refused.</summary>
/// <param name="Calls">The calls to store; empty when the message is refused.</param>
/// <param name="Problem">Why the message is refused (it goes to the error queue with this reason), or null.</param>
public readonly record struct CallMessage(IReadOnlyList<HandledCall> Calls, string? Problem)
{
    public static CallMessage Refused(string problem) => new([], problem);
}

/// <summary>
/// Reads the body of a message on a call queue: a MassTransit envelope (content type
/// <c>application/vnd.masstransit+json</c>, the contract under <c>message</c>) or the contract as
/// plain JSON (<c>application/json</c> or no content type), then checks every call against
/// <see cref="CallRules"/>.
/// </summary>
public static class CallMessages
{
    public const string MassTransitContentType = "application/vnd.masstransit+json";

    /// <summary>One <see cref="CallHandled"/> per message.</summary>
    public static CallMessage ReadCallHandled(ReadOnlySpan<byte> body, string? contentType, DateTimeOffset now, TimeSpan maxClockSkew)
    {
        var message = Deserialize(body, contentType, CallJson.Default.CallHandled, CallJson.Default.EnvelopeCallHandled, out var problem);
        if (problem is not null)
        {
            return CallMessage.Refused(problem);
        }

        var call = message?.ToHandledCall();
        return CallRules.Problem(call, now, maxClockSkew) is { } invalid ? CallMessage.Refused(invalid) : new CallMessage([call!], null);
    }

    /// <summary>
    /// Up to <see cref="CallsHandled.MaxCalls"/> calls per message. The message is refused whole if any
    /// of its calls is invalid: it is the unit the error queue holds and a producer resends.
    /// </summary>
    public static CallMessage ReadCallsHandled(ReadOnlySpan<byte> body, string? contentType, DateTimeOffset now, TimeSpan maxClockSkew)
    {
        var message = Deserialize(body, contentType, CallJson.Default.CallsHandled, CallJson.Default.EnvelopeCallsHandled, out var problem);
        if (problem is not null)
        {
            return CallMessage.Refused(problem);
        }

        if (message?.Calls is not { Count: > 0 } calls)
        {
            return CallMessage.Refused("Calls is missing or empty");
        }

        if (calls.Count > CallsHandled.MaxCalls)
        {
            return CallMessage.Refused($"Calls holds {calls.Count} calls; at most {CallsHandled.MaxCalls} are allowed per message");
        }

        for (var i = 0; i < calls.Count; i++)
        {
            if (CallRules.Problem(calls[i], now, maxClockSkew) is { } invalid)
            {
                return CallMessage.Refused($"Calls[{i}]: {invalid}");
            }
        }

        return new CallMessage(calls, null);
    }

    private static T? Deserialize<T>(
        ReadOnlySpan<byte> body,
        string? contentType,
        JsonTypeInfo<T> plain,
        JsonTypeInfo<Envelope<T>> enveloped,
        out string? problem)
        where T : class
    {
        problem = null;
        try
        {
            switch (contentType)
            {
                case null or "" or "application/json" or "text/json":
                    return JsonSerializer.Deserialize(body, plain);
                case MassTransitContentType:
                    return JsonSerializer.Deserialize(body, enveloped)?.Message;
                default:
                    problem = $"content type '{contentType}' is not supported: publish JSON as application/json (see docs/usage.md)";
                    return null;
            }
        }
        catch (JsonException e)
        {
            problem = Describe(e);
            return null;
        }
    }

    /// <summary>
    /// A reader error (the serializer wraps it) means the body is not JSON at all; otherwise a field
    /// holds the wrong kind of value, and the reason names the field.
    /// </summary>
    private static string Describe(JsonException e)
    {
        if (e.InnerException is JsonException notJson)
        {
            return $"the body is not valid JSON: {notJson.Message}";
        }

        if (e.Path is null or "$" or "$.message")
        {
            return $"the body is not the expected JSON object: {e.Message}";
        }

        var field = e.Path.StartsWith("$.message.", StringComparison.Ordinal) ? e.Path["$.message.".Length..] : e.Path.TrimStart('$', '.');
        return $"{field} has the wrong type or format: {e.InnerException?.Message ?? e.Message}";
    }
}

/// <summary>A MassTransit envelope: only the message inside matters here.</summary>
public sealed record Envelope<T>(T? Message);

/// <summary>
/// A moment in a call message: ISO 8601 with its offset (<c>Z</c> or <c>±hh:mm</c>). Without one the moment is
/// ambiguous (the producer's local time, or UTC?), and would silently count in the wrong hour: refused.
/// </summary>
internal sealed class MomentWithOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
        if (!HasOffset(text))
        {
            throw new JsonException("an ISO 8601 date and time with its offset (Z or ±hh:mm) is required, e.g. 2026-11-24T08:14:55Z");
        }

        return reader.GetDateTimeOffset();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0)
        {
            return false;
        }

        if (text.EndsWith('Z') || text.EndsWith('z'))
        {
            return true;
        }

        // ±hh:mm or ±hhmm after the time of day.
        var sign = text.LastIndexOfAny(['+', '-']);
        return sign > time;
    }
}

/// <summary>The contracts as producers write them: camelCase, matched case-insensitively, unknown fields ignored; moments with their offset.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(MomentWithOffsetConverter)])]
[JsonSerializable(typeof(CallHandled))]
[JsonSerializable(typeof(CallsHandled))]
[JsonSerializable(typeof(Envelope<CallHandled>), TypeInfoPropertyName = "EnvelopeCallHandled")]
[JsonSerializable(typeof(Envelope<CallsHandled>), TypeInfoPropertyName = "EnvelopeCallsHandled")]
internal sealed partial class CallJson : JsonSerializerContext;
