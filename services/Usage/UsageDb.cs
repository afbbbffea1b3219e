using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.Usage.Anomalies;
using Cic.Usage.Calls;
using Cic.Usage.Companies;
using Cic.Usage.Sequences;
using Cic.Usage.Tallies;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage;

/// <summary>The Usage service's own database: every call handled and the tallies per company and hour.</summary>
public sealed class UsageDb(DbContextOptions<UsageDb> options) : DbContext(options)
{
    /// <summary>The connection string the service reads its database under (<c>ConnectionStrings__usage-db</c>), as the AppHost names it.</summary>
    public const string ConnectionName = "usage-db";

    /// <summary>What the service keeps of Accounts' memberships: who may read a company's usage: members (no role, email or name) and organizations' companies.</summary>
    public const AccountsKept KeptFromAccounts = AccountsKept.Members | AccountsKept.OrganizationCompanies;

    public DbSet<Call> Calls => Set<Call>();

    public DbSet<UsageWindow> UsageWindows => Set<UsageWindow>();

    public DbSet<UsageAnomaly> UsageAnomalies => Set<UsageAnomaly>();

    public DbSet<SequenceSource> SequenceSources => Set<SequenceSource>();

    public DbSet<SequenceGap> SequenceGaps => Set<SequenceGap>();

    public DbSet<SequenceArrival> SequenceArrivals => Set<SequenceArrival>();

    public DbSet<KnownCompany> Companies => Set<KnownCompany>();

    public DbSet<AccountMember> Members => Set<AccountMember>();

    public DbSet<OrganizationCompany> OrganizationCompanies => Set<OrganizationCompany>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddAccountsProjection(KeptFromAccounts);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(UsageDb).Assembly);
    }
}
