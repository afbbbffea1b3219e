using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Cic.Testing;

/// <summary>
/// One service running in-process for a test class, on a fresh database and a private broker
/// virtual host, accepting <see cref="TestTokens"/>. Derive per service, naming its connection string.
/// </summary>
/// <typeparam name="TEntryPoint">Any type of the service's assembly (its <c>Program</c>).</typeparam>
public abstract class ServiceFixture<TEntryPoint>(string databaseConnectionName) : IAsyncLifetime where TEntryPoint : class
{
    private WebApplicationFactory<TEntryPoint>? _factory;

    public TestDatabase Database { get; private set; } = null!;

    public TestVirtualHost Broker { get; private set; } = null!;

    public WebApplicationFactory<TEntryPoint> Factory => _factory ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IServiceProvider Services => Factory.Services;

    /// <summary>Settings beyond the connection strings and tokens, e.g. a faster poll interval.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>Replaces services of the host for tests, e.g. the <see cref="TimeProvider"/> with a fake clock.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        var purpose = databaseConnectionName.Replace("-db", "", StringComparison.Ordinal);
        Database = await servers.CreateDatabaseAsync(purpose);
        Broker = await servers.CreateVirtualHostAsync(purpose);

        var settings = new Dictionary<string, string?>(TestTokens.Configuration)
        {
            [$"ConnectionStrings:{databaseConnectionName}"] = Database.ConnectionString,
            ["ConnectionStrings:messaging"] = Broker.Amqp.ToString(),
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
            host.ConfigureTestServices(ConfigureServices);
        });
        _ = _factory.Server; // start it now: migrations, bus and relay, before the first test
    }

    /// <summary>An HTTP client calling the service with <paramref name="token"/> (none for an anonymous caller).</summary>
    public HttpClient Client(string? token)
    {
        var client = Factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
