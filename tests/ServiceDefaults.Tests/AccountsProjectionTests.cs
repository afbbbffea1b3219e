using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Accounts;
using Cic.ServiceDefaults.Messaging;
using Cic.Testing;
using Microsoft.EntityFrameworkCore;

namespace Cic.ServiceDefaults.Tests;

/// <summary>
/// The shared Accounts projection's upsert against real PostgreSQL: whatever order membership events
/// arrive in, the table ends in the state of the latest one, on a table with its own column names
/// (as Notifications maps it) and on one that keeps no role, email or name (as Usage does).
/// </summary>
public sealed class AccountsProjectionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddMinutes(1);
    private static readonly DateTimeOffset T3 = T1.AddMinutes(2);

    private TestDatabase _database = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("projection");
        await using var db = FullDb();
        await db.Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        await db.Database.ExecuteSqlRawAsync(
            "CREATE TABLE bare_members (account_kind text, account_id uuid, user_id text, is_member boolean, as_of timestamptz, PRIMARY KEY (account_kind, account_id, user_id))",
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    public static TheoryData<int> Orders() => [.. Enumerable.Range(0, 6)];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Membership_events_in_any_order_end_in_the_latest_addition_with_its_role_and_address(int order)
    {
        var account = Guid.NewGuid();
        Func<DbContext, Task>[] events =
        [
            db => Add(db, account, "u1", T1, MemberRole.Owner, "old@example.test"),
            db => Remove(db, account, "u1", T2),
            db => Add(db, account, "u1", T3, MemberRole.Billing, " new@example.test "),
        ];
        await using (var db = FullDb())
        {
            foreach (var apply in Permutation(events, order))
            {
                await apply(db);
            }
        }

        Assert.Equal("t|Billing|new@example.test|U|t", await _database.ScalarAsync<string>(
            $"SELECT concat_ws('|', is_active, role, email, display_name, changed_at = '{T3:O}'::timestamptz) FROM members WHERE account_id = '{account}'"));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_removal_later_than_every_addition_keeps_the_member_out_whatever_the_order(int order)
    {
        var account = Guid.NewGuid();
        Func<DbContext, Task>[] events =
        [
            db => Add(db, account, "u2", T1, MemberRole.Owner, "a@example.test"),
            db => Add(db, account, "u2", T2, MemberRole.Billing, "b@example.test"),
            db => Remove(db, account, "u2", T3),
        ];
        await using (var db = BareDb())
        {
            foreach (var apply in Permutation(events, order))
            {
                await apply(db);
            }
        }

        Assert.Equal("f|t", await _database.ScalarAsync<string>(
            $"SELECT concat_ws('|', is_member, as_of = '{T3:O}'::timestamptz) FROM bare_members WHERE account_id = '{account}'"));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_company_that_left_and_joined_again_belongs_to_the_organization_whatever_the_order(int order)
    {
        var company = Guid.NewGuid();
        var organization = Guid.NewGuid();
        Func<DbContext, Task>[] events =
        [
            db => AccountsProjection.ApplyOrganizationAsync(db, company, organization, isMember: true, T1, CancellationToken.None),
            db => AccountsProjection.ApplyOrganizationAsync(db, company, organization, isMember: false, T2, CancellationToken.None),
            db => AccountsProjection.ApplyOrganizationAsync(db, company, organization, isMember: true, T3, CancellationToken.None),
        ];
        await using (var db = FullDb())
        {
            foreach (var apply in Permutation(events, order))
            {
                await apply(db);
            }
        }

        Assert.True(await _database.ScalarAsync<bool>($"SELECT is_member FROM organization_companies WHERE company_id = '{company}'"));
    }

    [Fact]
    public async Task An_addition_without_an_address_is_refused_where_members_are_mailed_and_accepted_where_not()
    {
        var account = Guid.NewGuid();
        await using (var full = FullDb())
        {
            await Assert.ThrowsAsync<InvalidMessageException>(() => Add(full, account, "u3", T1, MemberRole.Owner, " "));
        }

        await using (var bare = BareDb())
        {
            await Add(bare, account, "u3", T1, MemberRole.Owner, " ");
        }

        Assert.Equal(0L, await _database.ScalarAsync<long>($"SELECT count(*) FROM members WHERE account_id = '{account}'"));
        Assert.Equal(1L, await _database.ScalarAsync<long>($"SELECT count(*) FROM bare_members WHERE account_id = '{account}' AND is_member"));
    }

    private static Task Add(DbContext db, Guid account, string user, DateTimeOffset at, MemberRole role, string email) =>
        AccountsProjection.ApplyMemberAsync(db, AccountKind.Company, account, user, isMember: true, at, (role, email, "U"), CancellationToken.None);

    private static Task Remove(DbContext db, Guid account, string user, DateTimeOffset at) =>
        AccountsProjection.ApplyMemberAsync(db, AccountKind.Company, account, user, isMember: false, at, added: null, CancellationToken.None);

    private static IEnumerable<T> Permutation<T>(IReadOnlyList<T> items, int index)
    {
        var left = items.ToList();
        for (var n = left.Count; n > 0; n--)
        {
            var pick = index % n;
            index /= n;
            yield return left[pick];
            left.RemoveAt(pick);
        }
    }

    private FullMembersDb FullDb() => new(new DbContextOptionsBuilder<FullMembersDb>().UseNpgsql(_database.ConnectionString).UseSnakeCaseNamingConvention().Options);

    private BareMembersDb BareDb() => new(new DbContextOptionsBuilder<BareMembersDb>().UseNpgsql(_database.ConnectionString).UseSnakeCaseNamingConvention().Options);

    /// <summary>Keeps everything, under Notifications' own column names for the flag and the time.</summary>
    private sealed class FullMembersDb(DbContextOptions<FullMembersDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.AddAccountsProjection(AccountsKept.Members | AccountsKept.MemberRoles | AccountsKept.MemberContacts | AccountsKept.OrganizationCompanies);
            modelBuilder.Entity<AccountMember>(member =>
            {
                member.Property(m => m.IsMember).HasColumnName("is_active");
                member.Property(m => m.AsOf).HasColumnName("changed_at");
            });
        }
    }

    /// <summary>Keeps only who is a member, as Usage does.</summary>
    private sealed class BareMembersDb(DbContextOptions<BareMembersDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.AddAccountsProjection(AccountsKept.Members).Entity<AccountMember>().ToTable("bare_members");
    }
}
