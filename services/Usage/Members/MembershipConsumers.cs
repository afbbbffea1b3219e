using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cic.Usage.Members;

/// <summary>A user became a member of a company or organization: they may read its usage.</summary>
public sealed class MemberAddedConsumer(UsageDb db) : IConsumer<MemberAdded>
{
    public Task Consume(ConsumeContext<MemberAdded> context)
    {
        var m = context.Message;
        return Membership.ApplyMemberAsync(db, m.AccountKind, m.AccountId, m.UserId, isMember: true, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>A user stopped being a member: they may no longer read the account's usage.</summary>
public sealed class MemberRemovedConsumer(UsageDb db) : IConsumer<MemberRemoved>
{
    public Task Consume(ConsumeContext<MemberRemoved> context)
    {
        var m = context.Message;
        return Membership.ApplyMemberAsync(db, m.AccountKind, m.AccountId, m.UserId, isMember: false, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>A company joined an organization: the organization's members may read the company's usage.</summary>
public sealed class CompanyJoinedOrganizationConsumer(UsageDb db) : IConsumer<CompanyJoinedOrganization>
{
    public Task Consume(ConsumeContext<CompanyJoinedOrganization> context)
    {
        var m = context.Message;
        return Membership.ApplyOrganizationAsync(db, m.CompanyId, m.OrganizationId, isMember: true, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>A company left an organization: the organization's members no longer read its usage.</summary>
public sealed class CompanyLeftOrganizationConsumer(UsageDb db) : IConsumer<CompanyLeftOrganization>
{
    public Task Consume(ConsumeContext<CompanyLeftOrganization> context)
    {
        var m = context.Message;
        return Membership.ApplyOrganizationAsync(db, m.CompanyId, m.OrganizationId, isMember: false, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>
/// Applies membership events so that the latest event wins whatever order they arrive in: a row is
/// only overwritten by an event that happened no earlier than the one it holds. Runs inside the
/// consumer's inbox transaction.
/// </summary>
internal static class Membership
{
    public static async Task ApplyMemberAsync(
        UsageDb db, AccountKind kind, Guid accountId, string? userId, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        if (accountId == Guid.Empty || string.IsNullOrWhiteSpace(userId))
        {
            throw new InvalidMessageException("AccountId and UserId are required");
        }

        if (!Enum.IsDefined(kind))
        {
            throw new InvalidMessageException($"AccountKind {kind} is unknown");
        }

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO members (account_kind, account_id, user_id, is_member, as_of)
            VALUES ({kind.ToString()}, {accountId}, {userId}, {isMember}, {asOf.ToUniversalTime()})
            ON CONFLICT (account_kind, account_id, user_id) DO UPDATE
                SET is_member = excluded.is_member, as_of = excluded.as_of
                WHERE members.as_of <= excluded.as_of
            """, cancellationToken);
    }

    public static async Task ApplyOrganizationAsync(
        UsageDb db, Guid companyId, Guid organizationId, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        if (companyId == Guid.Empty || organizationId == Guid.Empty)
        {
            throw new InvalidMessageException("CompanyId and OrganizationId are required");
        }

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO organization_companies (company_id, organization_id, is_member, as_of)
            VALUES ({companyId}, {organizationId}, {isMember}, {asOf.ToUniversalTime()})
            ON CONFLICT (company_id, organization_id) DO UPDATE
                SET is_member = excluded.is_member, as_of = excluded.as_of
                WHERE organization_companies.as_of <= excluded.as_of
            """, cancellationToken);
    }
}
