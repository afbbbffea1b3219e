using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cic.Usage.Tests;

/// <summary>
/// The Usage service as its tests run it, with short delays so tallies publish within a test: the settings every
/// Usage test host gets (<see cref="UsageFixture"/>), and <see cref="StartAsync"/> for tests that start several one
/// after another on the same servers, as a restarted service does.
/// </summary>
public static class UsageHost
{
    public static IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Messaging:OutboxPollInterval", "00:00:00.200"),
        new("Usage:Tallies:SettleDelay", "00:00:00"),
        new("Usage:Tallies:PublishInterval", "00:00:00.200"),
        new("Usage:Ingest:BatchTimeLimit", "00:00:00.020"),
        // Small enough that a test makes a spike with a few dozen calls.
        new("Usage:Anomalies:MinimumChange", "20"),
        new("Usage:Sequences:SettleDelay", "00:00:00"),
        new("Usage:Sequences:Interval", "00:00:00.200"),
        // The pipeline gauges and the health they make, sampled often enough for a test to wait on.
        new("Pipeline:SampleInterval", "00:00:00.200"),
    ];

    /// <summary>USAGE_TEST_LOGS=1 shows the service's log on the console, for a failing test.</summary>
    public static void ConfigureServices(IServiceCollection services)
    {
        if (Environment.GetEnvironmentVariable("USAGE_TEST_LOGS") is null)
        {
            services.AddLogging(logging => logging.ClearProviders());
        }
    }

    public static Task<ServiceHost<UsageDb>> StartAsync(
        TestDatabase database,
        TestVirtualHost broker,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null) =>
        ServiceHost.StartAsync<UsageDb>(
            UsageDb.ConnectionName,
            database,
            broker,
            [.. Settings, .. settings ?? []],
            testServices =>
            {
                ConfigureServices(testServices);
                services?.Invoke(testServices);
            });
}
