using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.Accounts;

/// <summary>
/// Billing's own copy of what it needs from Accounts: the billing accounts, who pays for each
/// company when, and who may see and manage billing. Every consumer runs in the inbox transaction,
/// and every write is order-insensitive, so redeliveries and reorderings end in the same state.
/// </summary>
public static class AccountsProjection
{
    public static IBusRegistrationConfigurator AddAccountsProjection(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CompanyRegisteredConsumer>();
        bus.AddConsumer<CompanyRenamedConsumer>();
        bus.AddConsumer<OrganizationCreatedConsumer>();
        bus.AddConsumer<BillingArrangementChangedConsumer>();
        bus.AddConsumer<CompanyJoinedOrganizationConsumer>();
        bus.AddConsumer<CompanyLeftOrganizationConsumer>();
        bus.AddConsumer<MemberAddedConsumer>();
        bus.AddConsumer<MemberRemovedConsumer>();
        return bus;
    }

    internal static Task AddAccountAsync(BillingDb db, AccountKind kind, Guid id, string? name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (id == Guid.Empty || string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidMessageException("The account's id and name are required");
        }

        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO billing_accounts (id, kind, name, created_at, delinquent)
            VALUES ({id}, {kind.ToString()}, {name}, {at.ToUniversalTime()}, false)
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
    }
}

/// <summary>A company was registered: it is a billing account (it may be billed on its own).</summary>
public sealed class CompanyRegisteredConsumer(BillingDb db) : IConsumer<CompanyRegistered>
{
    public Task Consume(ConsumeContext<CompanyRegistered> context) =>
        AccountsProjection.AddAccountAsync(db, AccountKind.Company, context.Message.CompanyId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>An organization was created: it is a billing account for the companies that join it.</summary>
public sealed class OrganizationCreatedConsumer(BillingDb db) : IConsumer<OrganizationCreated>
{
    public Task Consume(ConsumeContext<OrganizationCreated> context) =>
        AccountsProjection.AddAccountAsync(db, AccountKind.Organization, context.Message.OrganizationId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>A company was renamed: staff lists and the Stripe customer's name follow on the next sync.</summary>
public sealed class CompanyRenamedConsumer(BillingDb db) : IConsumer<CompanyRenamed>
{
    public async Task Consume(ConsumeContext<CompanyRenamed> context)
    {
        var m = context.Message;
        if (m.CompanyId == Guid.Empty || string.IsNullOrWhiteSpace(m.Name))
        {
            throw new InvalidMessageException("CompanyId and Name are required");
        }

        await db.BillingAccounts.Where(a => a.Id == m.CompanyId)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Name, m.Name), context.CancellationToken);
    }
}

/// <summary>
/// Who pays for a company from a given moment on. The highest version for a company and start wins,
/// whatever order the decisions arrive in.
/// </summary>
public sealed class BillingArrangementChangedConsumer(BillingDb db) : IConsumer<BillingArrangementChanged>
{
    public async Task Consume(ConsumeContext<BillingArrangementChanged> context)
    {
        var m = context.Message;
        if (m.CompanyId == Guid.Empty || m.PayerId == Guid.Empty)
        {
            throw new InvalidMessageException("CompanyId and PayerId are required");
        }

        if (!Enum.IsDefined(m.PayerKind))
        {
            throw new InvalidMessageException($"PayerKind {m.PayerKind} is unknown");
        }

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO billing_arrangements (company_id, effective_from, payer_kind, payer_id, version)
            VALUES ({m.CompanyId}, {m.EffectiveFrom.ToUniversalTime()}, {m.PayerKind.ToString()}, {m.PayerId}, {m.Version})
            ON CONFLICT (company_id, effective_from) DO UPDATE
                SET payer_kind = excluded.payer_kind, payer_id = excluded.payer_id, version = excluded.version
                WHERE billing_arrangements.version < excluded.version
            """, context.CancellationToken);
    }
}

/// <summary>A company joined an organization: the organization's members may see the company's billing.</summary>
public sealed class CompanyJoinedOrganizationConsumer(BillingDb db) : IConsumer<CompanyJoinedOrganization>
{
    public Task Consume(ConsumeContext<CompanyJoinedOrganization> context) =>
        Membership.ApplyOrganizationAsync(db, context.Message.CompanyId, context.Message.OrganizationId, isMember: true, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>A company left an organization: the organization's members no longer see the company's billing.</summary>
public sealed class CompanyLeftOrganizationConsumer(BillingDb db) : IConsumer<CompanyLeftOrganization>
{
    public Task Consume(ConsumeContext<CompanyLeftOrganization> context) =>
        Membership.ApplyOrganizationAsync(db, context.Message.CompanyId, context.Message.OrganizationId, isMember: false, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>A user became a member of an account, or their role changed.</summary>
public sealed class MemberAddedConsumer(BillingDb db) : IConsumer<MemberAdded>
{
    public Task Consume(ConsumeContext<MemberAdded> context)
    {
        var m = context.Message;
        return Membership.ApplyMemberAsync(db, m.AccountKind, m.AccountId, m.UserId, m.Role, isMember: true, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>A user stopped being a member of an account.</summary>
public sealed class MemberRemovedConsumer(BillingDb db) : IConsumer<MemberRemoved>
{
    public Task Consume(ConsumeContext<MemberRemoved> context)
    {
        var m = context.Message;
        return Membership.ApplyMemberAsync(db, m.AccountKind, m.AccountId, m.UserId, MemberRole.Member, isMember: false, m.OccurredAt, context.CancellationToken);
    }
}

/// <summary>
/// Applies membership events so that the latest event wins whatever order they arrive in: a row is
/// only overwritten by an event that happened no earlier than the one it holds.
/// </summary>
internal static class Membership
{
    public static async Task ApplyMemberAsync(
        BillingDb db, AccountKind kind, Guid accountId, string? userId, MemberRole role, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        if (accountId == Guid.Empty || string.IsNullOrWhiteSpace(userId))
        {
            throw new InvalidMessageException("AccountId and UserId are required");
        }

        if (!Enum.IsDefined(kind) || !Enum.IsDefined(role))
        {
            throw new InvalidMessageException($"AccountKind {kind} or Role {role} is unknown");
        }

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO members (account_kind, account_id, user_id, role, is_member, as_of)
            VALUES ({kind.ToString()}, {accountId}, {userId}, {role.ToString()}, {isMember}, {asOf.ToUniversalTime()})
            ON CONFLICT (account_kind, account_id, user_id) DO UPDATE
                SET role = CASE WHEN excluded.is_member THEN excluded.role ELSE members.role END,
                    is_member = excluded.is_member, as_of = excluded.as_of
                WHERE members.as_of <= excluded.as_of
            """, cancellationToken);
    }

    public static async Task ApplyOrganizationAsync(
        BillingDb db, Guid companyId, Guid organizationId, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
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
