namespace Cic.StripeEmulator.Api;

/// <summary>Every log message of the emulator, as source-generated delegates.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled emulator error on {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception error, string method, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Injecting fault {Status} (+{Latency}) into {Method} {Path}")]
    public static partial void FaultInjected(ILogger logger, int? status, TimeSpan latency, string method, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropping webhook {EventId} ({Type}) on request")]
    public static partial void WebhookDropped(ILogger logger, string eventId, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} to {Url} failed (attempt {Attempt}): {Status} {Error}")]
    public static partial void WebhookFailed(ILogger logger, string eventId, string url, int attempt, int? status, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Real-time billing run failed")]
    public static partial void SchedulerFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Advancing test clock {ClockId} failed")]
    public static partial void ClockAdvanceFailed(ILogger logger, Exception error, string clockId);
}
