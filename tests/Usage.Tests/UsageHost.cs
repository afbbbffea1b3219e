using System.Net.Http.Headers;
using Cic.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cic.Usage.Tests;

/// <summary>
/// The Usage service in-process on a given database and virtual host, with short delays so
/// tallies publish within a test. Several hosts may run one after another on the same servers,
/// as a restarted service does.
/// </summary>
public sealed class UsageHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<UsageDb> _factory;

    private UsageHost(WebApplicationFactory<UsageDb> factory) => _factory = factory;

    public IServiceProvider Services => _factory.Services;

    public IBus Bus => Services.GetRequiredService<IBus>();

    public static async Task<UsageHost> StartAsync(
        TestDatabase database,
        TestVirtualHost broker,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>(TestTokens.Configuration)
        {
            ["ConnectionStrings:usage-db"] = database.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.Amqp.ToString(),
            ["Messaging:OutboxPollInterval"] = "00:00:00.200",
            ["Usage:Tallies:SettleDelay"] = "00:00:00",
            ["Usage:Tallies:PublishInterval"] = "00:00:00.200",
            ["Usage:Ingest:BatchTimeLimit"] = "00:00:00.020",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var factory = new WebApplicationFactory<UsageDb>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.ConfigureAppConfiguration(c => c.AddInMemoryCollection(configuration));
            // USAGE_TEST_LOGS=1 shows the service's log on the console, for a failing test.
            if (Environment.GetEnvironmentVariable("USAGE_TEST_LOGS") is null)
            {
                host.ConfigureLogging(logging => logging.ClearProviders());
            }
            if (services is not null)
            {
                host.ConfigureServices(services);
            }
        });
        var usage = new UsageHost(factory);
        using var client = factory.CreateClient();
        // Healthy means migrated and every receive endpoint (so every queue and binding) is up.
        await Eventually.IsTrue(async () => (await client.GetAsync("/health")).IsSuccessStatusCode, "the Usage service to report healthy");
        return usage;
    }

    /// <summary>An HTTP client calling the service with <paramref name="token"/> (none for an anonymous caller).</summary>
    public HttpClient Client(string? token)
    {
        var client = _factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        // Stop consuming first, as a service's orderly shutdown does: batches in hand finish and are
        // acknowledged, the rest return to the queue. (The test server's dispose alone can release the
        // container while a batch is still in flight, which fails that batch.)
        await Services.GetRequiredService<IBusControl>().StopAsync(TimeSpan.FromSeconds(30));
        await _factory.DisposeAsync();
    }
}
