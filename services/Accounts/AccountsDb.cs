using Cic.Accounts.BillingArrangements;
using Cic.Accounts.Companies;
using Cic.Accounts.Members;
using Cic.Accounts.Organizations;
using Cic.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts;

/// <summary>The Accounts service's own database: companies, organizations, their members and who pays for whom.</summary>
public sealed class AccountsDb(DbContextOptions<AccountsDb> options) : DbContext(options)
{
    /// <summary>The connection string the service reads its database under (<c>ConnectionStrings__accounts-db</c>), as the AppHost names it.</summary>
    public const string ConnectionName = "accounts-db";

    public DbSet<Company> Companies => Set<Company>();

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<Member> Members => Set<Member>();

    public DbSet<BillingArrangement> BillingArrangements => Set<BillingArrangement>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AccountsDb).Assembly);
    }
}
