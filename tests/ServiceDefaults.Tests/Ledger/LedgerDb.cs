using Cic.Contracts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Cic.ServiceDefaults.Tests.Ledger;

// A small service of the tests' own, built from ServiceDefaults exactly as the platform's services
// are: entries recorded through the outbox, and a consumer whose effect the inbox must keep single.

public sealed class LedgerDb(DbContextOptions<LedgerDb> options) : DbContext(options)
{
    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    public DbSet<ReceivedEntry> Received => Set<ReceivedEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<LedgerEntry>().ToTable("ledger_entries");
        modelBuilder.Entity<ReceivedEntry>().ToTable("received_entries");
    }
}

public sealed class LedgerEntry
{
    public Guid Id { get; init; }

    public string Note { get; init; } = "";
}

/// <summary>One row per time the consumer's effect happened: a duplicate would show as two rows.</summary>
public sealed class ReceivedEntry
{
    public long Id { get; init; }

    public Guid EntryId { get; init; }
}

public sealed record EntryRecorded(Guid EventId, DateTimeOffset OccurredAt, Guid EntryId, string Note) : IIntegrationEvent;

public sealed class EntryRecordedConsumer(LedgerDb db) : IConsumer<EntryRecorded>
{
    /// <summary>A note the consumer can never apply: the message goes to the error queue.</summary>
    public const string Refused = "refused";

    public Task Consume(ConsumeContext<EntryRecorded> context)
    {
        if (context.Message.Note == Refused)
        {
            throw new InvalidMessageException("the ledger refuses this entry");
        }

        // No SaveChanges: the inbox saves the effect in its transaction.
        db.Received.Add(new ReceivedEntry { EntryId = context.Message.EntryId });
        return Task.CompletedTask;
    }
}

/// <summary>For <c>dotnet ef migrations add</c> only.</summary>
public sealed class LedgerDbDesignTimeFactory : IDesignTimeDbContextFactory<LedgerDb>
{
    public LedgerDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LedgerDb>().UseNpgsql("Host=design-time").UseSnakeCaseNamingConvention().Options);
}
