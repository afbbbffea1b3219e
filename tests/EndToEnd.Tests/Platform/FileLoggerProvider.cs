using Microsoft.Extensions.Logging;

namespace Cic.EndToEnd.Tests.Platform;

/// <summary>
/// Every log of the AppHost under test (its own and each resource's console, which Aspire.Hosting.Testing forwards
/// as logs) into one file, so the test output stays quiet and a failure can still be read.
/// </summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly StreamWriter _file = new(path, append: true) { AutoFlush = true };

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_file)
        {
            _file.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_file)
        {
            if (_file.BaseStream.CanWrite)
            {
                _file.WriteLine(line);
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
    }
}
