using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts;

/// <summary>The Accounts service's own database: companies, organizations, their members and who pays for whom.</summary>
public sealed class AccountsDb(DbContextOptions<AccountsDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
