using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cic.Testing;

/// <summary>One log entry as an engineer would read it: where from, how severe, the message, and any exception.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, Exception? Exception);

/// <summary>Keeps what a service logs at Information and above (add it as an <see cref="ILoggerProvider"/>), to check what an engineer would read.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
