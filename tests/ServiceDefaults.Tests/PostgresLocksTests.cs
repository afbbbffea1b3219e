using Cic.ServiceDefaults.Persistence;
using Cic.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.ServiceDefaults.Tests;

/// <summary>The advisory locks every service takes: one name is one lock, whichever shape takes it.</summary>
public sealed class PostgresLocksTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await TestServers.GetAsync()).CreateDatabaseAsync("postgres_locks");
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
    }

    [Fact]
    public async Task A_held_lock_keeps_its_name_from_others_until_disposed()
    {
        var first = await _dataSource.TryHoldAsync("cic-tests-pass", Ct);
        Assert.NotNull(first);
        Assert.Null(await _dataSource.TryHoldAsync("cic-tests-pass", Ct));
        await using (var other = await _dataSource.TryHoldAsync("cic-tests-other-pass", Ct))
        {
            Assert.NotNull(other);
        }

        await first.DisposeAsync();
        await using var again = await _dataSource.TryHoldAsync("cic-tests-pass", Ct);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_transaction_lock_is_the_same_lock_and_ends_with_its_transaction()
    {
        await using var db = new DbContext(new DbContextOptionsBuilder().UseNpgsql(_dataSource).Options);
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.TryLockAsync("cic-tests-invoice", Ct));

        await using (await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.True(await db.TryLockAsync("cic-tests-invoice", Ct));
            Assert.Null(await _dataSource.TryHoldAsync("cic-tests-invoice", Ct));
        }

        await using var held = await _dataSource.TryHoldAsync("cic-tests-invoice", Ct);
        Assert.NotNull(held);
        await using (await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.False(await db.TryLockAsync("cic-tests-invoice", Ct));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }
}
