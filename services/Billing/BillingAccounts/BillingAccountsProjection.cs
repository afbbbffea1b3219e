using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cic.Billing.BillingAccounts;

/// <summary>
/// Billing's own copy of the billing accounts and who pays for each company when, from Accounts'
/// events. (Who may see and manage billing, members and organizations' companies, is kept by
/// ServiceDefaults' <c>AccountsProjection</c>.) Every consumer runs in the inbox transaction, and
/// every write is order-insensitive, so redeliveries and reorderings end in the same state.
/// </summary>
public static class BillingAccountsProjection
{
    public static IBusRegistrationConfigurator AddBillingAccounts(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CompanyRegisteredConsumer>();
        bus.AddConsumer<CompanyRenamedConsumer>();
        bus.AddConsumer<OrganizationCreatedConsumer>();
        bus.AddConsumer<BillingArrangementChangedConsumer>();
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
        BillingAccountsProjection.AddAccountAsync(db, AccountKind.Company, context.Message.CompanyId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>An organization was created: it is a billing account for the companies that join it.</summary>
public sealed class OrganizationCreatedConsumer(BillingDb db) : IConsumer<OrganizationCreated>
{
    public Task Consume(ConsumeContext<OrganizationCreated> context) =>
        BillingAccountsProjection.AddAccountAsync(db, AccountKind.Organization, context.Message.OrganizationId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);
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
