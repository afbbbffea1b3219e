using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Contracts.Calls;
using Cic.Testing;

namespace Cic.Usage.Tests;

/// <summary>
/// The Usage service with a known history, arrived the real way (calls and Accounts' events over
/// the broker): company A belongs to organization O and has calls around March 2025; company B
/// has calls but was never registered; company C is registered, without calls.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public static readonly Guid CompanyA = Guid.NewGuid();
    public static readonly Guid CompanyB = Guid.NewGuid();
    public static readonly Guid CompanyC = Guid.NewGuid();
    public static readonly Guid OrganizationO = Guid.NewGuid();

    /// <summary>Company A's calls, as (source, id, handled at).</summary>
    public static readonly IReadOnlyList<HandledCall> CallsOfA =
    [
        Call("ivr-eu", "a-feb", "2025-02-28T23:59:59Z"),
        Call("ivr-eu", "a-1", "2025-03-01T00:10:00Z"),
        Call("ivr-us", "a-1", "2025-03-01T00:10:00Z"), // same id, other system: another call
        Call("ivr-eu", "a-2", "2025-03-01T05:30:00Z"),
        Call("ivr-eu", "a-3", "2025-03-15T12:00:00Z"),
        Call("ivr-eu", "a-4,\"quoted\"", "2025-03-15T12:00:00Z"),
        Call("crm", "a-5", "2025-03-15T12:59:59.999Z"),
        Call("ivr-eu", "a-apr", "2025-04-01T00:00:00Z"),
    ];

    public UsageFixture Usage { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Usage.InitializeAsync();
        var bus = Usage.Host.Bus;
        var now = DateTimeOffset.UtcNow;
        await bus.Publish(new CallsHandled(Guid.NewGuid(), now, CallsOfA));
        await bus.Publish(new CallsHandled(Guid.NewGuid(), now,
            [new HandledCall("ivr-eu", "b-1", CompanyB, now.AddHours(-2), 1), new HandledCall("ivr-eu", "b-2", CompanyB, now.AddHours(-1), 1)]));

        await bus.Publish(new CompanyRegistered(Guid.NewGuid(), now, CompanyA, "A", null));
        await bus.Publish(new CompanyRegistered(Guid.NewGuid(), now, CompanyC, "C", null));
        await bus.Publish(new CompanyJoinedOrganization(Guid.NewGuid(), now, CompanyA, OrganizationO));
        await bus.Publish(Member(AccountKind.Company, CompanyA, "alice", now));
        await bus.Publish(Member(AccountKind.Organization, OrganizationO, "olga", now));
        await bus.Publish(Member(AccountKind.Company, CompanyC, "carl", now));
        await bus.Publish(Member(AccountKind.Company, CompanyA, "gone", now.AddMinutes(-1)));
        await bus.Publish(new MemberRemoved(Guid.NewGuid(), now, AccountKind.Company, CompanyA, "gone"));

        await Usage.WaitForStoredCallsAsync(CompanyA, CallsOfA.Count);
        await Usage.WaitForStoredCallsAsync(CompanyB, 2);
        await Eventually.IsTrue(
            async () => await Usage.Database.ScalarAsync<long>("SELECT count(*) FROM members") == 4
                && await Usage.Database.ScalarAsync<long>("SELECT count(*) FROM members WHERE is_member") == 3
                && await Usage.Database.ScalarAsync<long>("SELECT count(*) FROM organization_companies") == 1
                && await Usage.Database.ScalarAsync<long>("SELECT count(*) FROM companies") == 2,
            "Accounts' events to be projected");
    }

    public ValueTask DisposeAsync() => Usage.DisposeAsync();

    private static HandledCall Call(string source, string id, string handledAt) =>
        new(source, id, CompanyA, DateTimeOffset.Parse(handledAt, System.Globalization.CultureInfo.InvariantCulture), 1000);

    private static MemberAdded Member(AccountKind kind, Guid account, string user, DateTimeOffset at) =>
        new(Guid.NewGuid(), at, kind, account, user, $"{user}@example.com", user, MemberRole.Member);
}
