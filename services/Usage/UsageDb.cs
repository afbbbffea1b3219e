using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage;

/// <summary>The Usage service's own database: every call handled and the tallies per company and hour.</summary>
public sealed class UsageDb(DbContextOptions<UsageDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
