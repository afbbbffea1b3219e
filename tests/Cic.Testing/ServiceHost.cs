using System.Net;
using System.Net.Http.Headers;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Testing;

/// <summary>
/// One instance of a service running in-process on a given database and broker virtual host,
/// accepting <see cref="TestTokens"/>. Several may run one after another on the same servers, as a
/// restarted service does. Disposing it shuts down as the service would: consuming stops first.
/// </summary>
/// <typeparam name="TEntryPoint">Any type of the service's assembly (its <c>Program</c>).</typeparam>
public sealed class ServiceHost<TEntryPoint> : IAsyncDisposable where TEntryPoint : class
{
    private readonly WebApplicationFactory<TEntryPoint> _factory;

    internal ServiceHost(WebApplicationFactory<TEntryPoint> factory, Uri? baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
    }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Where the service serves real HTTP (the port Kestrel bound), when started with <c>realHttp</c>; null on the in-memory test server.</summary>
    public Uri? BaseAddress { get; }

    public IBus Bus => Services.GetRequiredService<IBus>();

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
        // Stop consuming first, as a service's orderly shutdown does: messages in hand finish and are
        // acknowledged, the rest return to the queue. The test server's dispose alone can release the
        // container while a message is still being consumed, which sends it to the error queue.
        await Services.GetRequiredService<IBusControl>().StopAsync(TimeSpan.FromSeconds(30));
        await _factory.DisposeAsync();
    }
}

public static class ServiceHost
{
    /// <summary>Starts the service and waits until <c>/health</c> says it is migrated and its queues are bound.</summary>
    /// <param name="databaseConnectionName">The service's connection-string name, e.g. <c>usage-db</c>.</param>
    /// <param name="database">Its database.</param>
    /// <param name="broker">Its virtual host.</param>
    /// <param name="settings">Settings beyond the connection strings and tokens, e.g. a faster poll interval.</param>
    /// <param name="services">Replaces services of the host, e.g. the <see cref="TimeProvider"/> with a fake clock.</param>
    /// <param name="realHttp">
    /// Serve real HTTP with Kestrel instead of the in-memory test server, for callers outside the test process
    /// such as the Stripe emulator's webhooks. Kestrel binds 127.0.0.1:0 itself and the address it got is
    /// <see cref="ServiceHost{TEntryPoint}.BaseAddress"/>: no port is picked beforehand that someone else could take.
    /// </param>
    public static async Task<ServiceHost<TEntryPoint>> StartAsync<TEntryPoint>(
        string databaseConnectionName,
        TestDatabase database,
        TestVirtualHost broker,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null,
        bool realHttp = false) where TEntryPoint : class
    {
        var configuration = new Dictionary<string, string?>(TestTokens.Configuration)
        {
            [$"ConnectionStrings:{databaseConnectionName}"] = database.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.Amqp.ToString(),
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.ConfigureAppConfiguration(c => c.AddInMemoryCollection(configuration));
            host.ConfigureTestServices(services ?? (_ => { }));
        });
        Uri? baseAddress = null;
        if (realHttp)
        {
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var bound = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            baseAddress = new Uri(bound);
            factory.ClientOptions.BaseAddress = baseAddress;
        }

        var service = new ServiceHost<TEntryPoint>(factory, baseAddress);
        using var client = factory.CreateClient();
        // Nothing published from here on is dropped for want of a queue or binding.
        await Eventually.IsTrue(async () => (await client.GetAsync("/health")).IsSuccessStatusCode, $"{typeof(TEntryPoint).Assembly.GetName().Name} to report healthy");
        return service;
    }
}
