using Cic.Contracts.Calls;

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

        if (call.Sequence < 0)
        {
            return $"Sequence is negative ({which})";
        }

        return null;
    }

    public static HandledCall ToHandledCall(this CallHandled message) =>
        new(message.SourceSystem, message.CallId, message.CompanyId, message.HandledAt, message.DurationMs, message.Sequence);
}
