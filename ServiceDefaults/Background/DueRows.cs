using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.ServiceDefaults.Background;

/// <summary>
/// Rows of work that fall due, are claimed by one instance at a time and, when an attempt fails, are tried again later
/// with their attempt count and last error kept for staff.
/// </summary>
public static class DueRows
{
    /// <summary>The longest error kept with a row: enough for any reason worth reading, short enough to list many rows.</summary>
    public const int MaxErrorLength = 2000;

    /// <summary>
    /// Locks, in the caller's open transaction, up to <paramref name="limit"/> rows of <typeparamref name="TRow"/>'s
    /// table that satisfy <paramref name="due"/> (SQL over the table's columns; <c>@due_by</c> is
    /// <paramref name="dueBy"/>, usually now), in <paramref name="orderBy"/> order, skipping rows another transaction holds: instances
    /// working the same table never take the same row, and none waits for another. The rows stay claimed until the
    /// transaction ends.
    /// </summary>
    public static Task<List<TRow>> ClaimAsync<TRow>(
        this DbContext db, string due, string orderBy, int limit, DateTimeOffset dueBy, CancellationToken cancellationToken)
        where TRow : class
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Claiming rows needs an open transaction: the claim lasts as long as it.");
        }

        var table = Entity<TRow>(db).GetTableName();
        return db.Set<TRow>()
#pragma warning disable EF1002 // the table, condition and order are the code's own constants, never input
            .FromSqlRaw(
                DueRowsLocked(table, "*", due, orderBy, limit),
                new NpgsqlParameter("due_by", dueBy))
#pragma warning restore EF1002
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows of <typeparamref name="TRow"/>'s table (as <see cref="ClaimAsync"/>
    /// chooses them) for this instance until <paramref name="leasedUntil"/>, in one statement of its own and no open
    /// transaction: their <paramref name="nextAttemptColumn"/> moves to the lease's end, so no other instance takes them
    /// meanwhile, and they are returned tracked. For work that calls out (Stripe, SMTP): no transaction or connection is
    /// held while it does; it records each outcome afterwards (done, or the next attempt). Should the instance die,
    /// its rows fall due again when the lease ends; the lease must outlast the work, or two instances may do it.
    /// </summary>
    public static Task<List<TRow>> LeaseAsync<TRow>(
        this DbContext db, string due, string orderBy, int limit, DateTimeOffset dueBy, DateTimeOffset leasedUntil, CancellationToken cancellationToken,
        string nextAttemptColumn = "next_attempt_at")
        where TRow : class
    {
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A lease is taken outside any transaction: it must be committed before the leased work starts.");
        }

        var entity = Entity<TRow>(db);
        var table = entity.GetTableName();
        var key = entity.FindPrimaryKey()?.Properties is [var single] ? single.GetColumnName()
            : throw new InvalidOperationException($"{typeof(TRow).Name} needs a single-column key to be leased.");
        return db.Set<TRow>()
#pragma warning disable EF1002 // the table, columns, condition and order are the code's own constants, never input
            .FromSqlRaw(
                $"""
                UPDATE {table} SET {nextAttemptColumn} = @leased_until
                WHERE {key} IN ({DueRowsLocked(table, key, due, orderBy, limit)})
                RETURNING *
                """,
                new NpgsqlParameter("due_by", dueBy),
                new NpgsqlParameter("leased_until", leasedUntil))
#pragma warning restore EF1002
            .ToListAsync(cancellationToken);
    }

    /// <summary>The one claim: the due rows' <paramref name="columns"/>, locked, skipping rows another transaction holds.</summary>
    private static string DueRowsLocked(string? table, string? columns, string due, string orderBy, int limit) =>
        $"SELECT {columns} FROM {table} WHERE {due} ORDER BY {orderBy} LIMIT {limit} FOR UPDATE SKIP LOCKED";

    private static Microsoft.EntityFrameworkCore.Metadata.IEntityType Entity<TRow>(DbContext db) =>
        db.Model.FindEntityType(typeof(TRow)) ?? throw new InvalidOperationException($"{typeof(TRow).Name} is not mapped to a table.");

    /// <summary>An attempt's error as a row keeps it: at most <see cref="MaxErrorLength"/> characters.</summary>
    public static string Error(string error) => error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
}
