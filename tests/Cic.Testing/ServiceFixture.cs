using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Cic.Testing;

/// <summary>
/// One service running in-process for a test class (or collection), on a fresh database and a
/// private broker virtual host, accepting <see cref="TestTokens"/>. Derive per service, naming its
/// connection string.
/// </summary>
/// <typeparam name="TEntryPoint">Any type of the service's assembly (its <c>Program</c>).</typeparam>
public abstract class ServiceFixture<TEntryPoint>(string databaseConnectionName) : IAsyncLifetime where TEntryPoint : class
{
    private ServiceHost<TEntryPoint>? _host;

    public TestDatabase Database { get; private set; } = null!;

    public TestVirtualHost Broker { get; private set; } = null!;

    public ServiceHost<TEntryPoint> Host => _host ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IServiceProvider Services => Host.Services;

    /// <summary>Settings beyond the connection strings and tokens, e.g. a faster poll interval.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>Serve real HTTP on a loopback port Kestrel binds itself (see <see cref="ServiceHost.StartAsync{TEntryPoint}"/>); off by default.</summary>
    protected virtual bool RealHttp => false;

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
        _host = await ServiceHost.StartAsync<TEntryPoint>(databaseConnectionName, Database, Broker, Settings, ConfigureServices, RealHttp);
    }

    /// <summary>An HTTP client calling the service with <paramref name="token"/> (none for an anonymous caller).</summary>
    public HttpClient Client(string? token) => Host.Client(token);

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
