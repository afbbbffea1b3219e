using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.ServiceDefaults.Persistence;

/// <summary>
/// The one way services take PostgreSQL advisory locks. Every lock is named by a string
/// (<c>"cic-invoice:in_123"</c>, <c>"cic-billing-reconciliation"</c>) and hashed by one rule,
/// <c>hashtextextended(name, 0)</c> (64 bits: two names practically never share a lock). Two shapes:
/// <list type="bullet">
/// <item><see cref="LockAsync"/> / <see cref="TryLockAsync"/>: in the caller's open transaction, released when it
/// commits or rolls back; for work whose reads and writes the lock must cover.</item>
/// <item><see cref="HoldAsync"/> / <see cref="TryHoldAsync"/>: on a connection of its own from the service's registered
/// <see cref="NpgsqlDataSource"/>, held until disposed (or until the connection drops with a crashed instance);
/// for "one instance at a time runs this" around work that commits on its own, or calls Stripe, meanwhile.</item>
/// </list>
/// Row locks (<c>SELECT … FOR UPDATE</c>) stay where a row is what is protected (a billing account), and
/// workers claim due rows with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public static class PostgresLocks
{
    /// <summary>Waits for the lock named <paramref name="name"/>, held until the current transaction ends.</summary>
    public static async Task LockAsync(this DbContext db, string name, CancellationToken cancellationToken)
    {
        RequireTransaction(db);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({name}, 0))", cancellationToken);
    }

    /// <summary>Takes the lock named <paramref name="name"/> until the current transaction ends, unless someone holds it.</summary>
    /// <returns>Whether it was taken.</returns>
    public static async Task<bool> TryLockAsync(this DbContext db, string name, CancellationToken cancellationToken)
    {
        RequireTransaction(db);
        return await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(hashtextextended({name}, 0)) AS \"Value\"")
            .SingleAsync(cancellationToken);
    }

    /// <summary>
    /// Waits for the lock named <paramref name="name"/> and holds it on a connection of its own, in no transaction:
    /// for work that calls Stripe and then records what it learned in short transactions of its own.
    /// </summary>
    /// <returns>The held lock, to dispose when done.</returns>
    public static async Task<IAsyncDisposable> HoldAsync(this NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken) =>
        await HoldIfTakenAsync(dataSource, "SELECT true FROM pg_advisory_lock(hashtextextended(@name, 0))", name, cancellationToken)
        ?? throw new InvalidOperationException($"pg_advisory_lock returned without the lock {name}.");

    /// <summary>
    /// Takes the lock named <paramref name="name"/> on a connection of its own, unless someone holds it.
    /// </summary>
    /// <returns>The held lock, to dispose when done; null when someone else holds it.</returns>
    public static Task<IAsyncDisposable?> TryHoldAsync(this NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken) =>
        HoldIfTakenAsync(dataSource, "SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", name, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in the caller's transaction, or in a new one committed afterwards; saves
    /// the context's changes either way.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this DbContext db, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            var result = await work();
            await db.SaveChangesAsync(cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }

            return result;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>Runs <paramref name="take"/> (true when the lock is taken) on a connection of its own, kept while the lock is held.</summary>
    private static async Task<IAsyncDisposable?> HoldIfTakenAsync(NpgsqlDataSource dataSource, string take, string name, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(take, connection);
            command.Parameters.AddWithValue("name", name);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new HeldLock(connection, name);
            }
        }
        catch
        {
            // Cancelled while waiting: the pool resets the connection's session (DISCARD ALL), a lock granted meanwhile included.
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    private static void RequireTransaction(DbContext db)
    {
        if (db.Database.CurrentTransaction is null)
        {
            // Outside a transaction the lock would end with the statement that took it: a bug, not a lock.
            throw new InvalidOperationException("A transaction-scoped advisory lock needs an open transaction.");
        }
    }

    private sealed class HeldLock(NpgsqlConnection connection, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Released explicitly: a pooled connection may outlive this use.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@name, 0))", connection);
                release.Parameters.AddWithValue("name", name);
                await release.ExecuteScalarAsync(CancellationToken.None);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
