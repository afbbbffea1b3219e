using Cic.ServiceDefaults.Persistence;
using Cic.ServiceDefaults.Tests.Ledger;
using Cic.Testing;

namespace Cic.ServiceDefaults.Tests;

/// <summary>
/// <c>Database:MigrateOnly</c>: how a deployment's migration job runs a service image to bring the
/// schema up to date before new instances roll out.
/// </summary>
public sealed class MigrateOnlyTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("migrate_only");
        _broker = await servers.CreateVirtualHostAsync("migrate-only");
    }

    [Fact]
    public async Task A_service_told_to_migrate_only_applies_its_migrations_and_stops_by_itself()
    {
        await using var app = LedgerApp.Build(
            _database.ConnectionString,
            _broker.Amqp,
            settings: [new(DatabaseExtensions.MigrateOnlyKey, "true")]);

        // Run returns only when the host stops; the job's pod then exits with code 0.
        await app.RunAsync().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(1, await _database.ScalarAsync<long>("SELECT count(*) FROM \"__EFMigrationsHistory\""));
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM ledger_entries"));
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }
}
