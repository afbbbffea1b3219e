using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;

namespace Cic.Notifications.Recipients;

/// <summary>
/// Keeps the names of companies and organizations for the notifications' wording. One consumer for
/// the three naming events: each has the same effect (the latest name wins), so one queue suffices.
/// </summary>
public sealed class AccountNamesConsumer(NotificationsDb db) :
    IConsumer<CompanyRegistered>, IConsumer<CompanyRenamed>, IConsumer<OrganizationCreated>
{
    public Task Consume(ConsumeContext<CompanyRegistered> context) =>
        NameAsync(AccountKind.Company, context.Message.CompanyId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);

    public Task Consume(ConsumeContext<CompanyRenamed> context) =>
        NameAsync(AccountKind.Company, context.Message.CompanyId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);

    public Task Consume(ConsumeContext<OrganizationCreated> context) =>
        NameAsync(AccountKind.Organization, context.Message.OrganizationId, context.Message.Name, context.Message.OccurredAt, context.CancellationToken);

    private async Task NameAsync(AccountKind kind, Guid id, string? name, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (id == Guid.Empty || string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidMessageException($"A {kind} naming event needs an id and a name.");
        }

        var account = await db.AccountNames.FindAsync([kind, id], cancellationToken);
        if (account is null)
        {
            db.AccountNames.Add(new AccountName { AccountKind = kind, AccountId = id, Name = name.Trim(), ChangedAt = at });
        }
        else if (at >= account.ChangedAt)
        {
            account.Name = name.Trim();
            account.ChangedAt = at;
        }
    }
}

public static class AccountNames
{
    /// <summary>The names of companies and organizations, which notices address their recipients by.</summary>
    public static IBusRegistrationConfigurator AddAccountNames(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<AccountNamesConsumer>();
        return bus;
    }
}
