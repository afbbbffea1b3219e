using Cic.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Usage.Tests;

/// <summary>One Usage service, database and virtual host for a test class; tests keep apart by using companies of their own.</summary>
public sealed class UsageFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public TestVirtualHost Broker { get; private set; } = null!;

    public ServiceHost<UsageDb> Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        Database = await servers.CreateDatabaseAsync("usage");
        Broker = await servers.CreateVirtualHostAsync("usage");
        Host = await UsageHost.StartAsync(Database, Broker);
    }

    /// <summary>Calls stored for a company.</summary>
    public Task<long> StoredCallsAsync(Guid companyId) =>
        Database.ScalarAsync<long>($"SELECT count(*) FROM calls WHERE company_id = '{companyId}'");

    /// <summary>The sum of a company's tallies: what it will be billed for.</summary>
    public Task<long> TalliedCallsAsync(Guid companyId) =>
        Database.ScalarAsync<long>($"SELECT coalesce(sum(call_count), 0) FROM usage_windows WHERE company_id = '{companyId}'");

    public Task WaitForStoredCallsAsync(Guid companyId, long count) =>
        Eventually.IsTrue(async () => await StoredCallsAsync(companyId) >= count, $"{count} calls of company {companyId} to be stored");

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await Database.DisposeAsync();
    }
}
