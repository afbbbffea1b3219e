using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;

namespace Cic.Notifications.Recipients;

/// <summary>Keeps a member's address, name and role for notifications about their account.</summary>
public sealed class MemberAddedConsumer(NotificationsDb db) : IConsumer<MemberAdded>
{
    public async Task Consume(ConsumeContext<MemberAdded> context)
    {
        var added = context.Message;
        if (added.AccountId == Guid.Empty || string.IsNullOrWhiteSpace(added.UserId) || string.IsNullOrWhiteSpace(added.Email))
        {
            throw new InvalidMessageException("MemberAdded needs an account id, a user id and an email address.");
        }

        var member = await db.Members.FindAsync([added.AccountKind, added.AccountId, added.UserId], context.CancellationToken);
        if (member is null)
        {
            member = new Member { AccountKind = added.AccountKind, AccountId = added.AccountId, UserId = added.UserId };
            db.Members.Add(member);
        }
        else if (added.OccurredAt < member.ChangedAt)
        {
            return; // a later add or removal already arrived
        }

        member.Email = added.Email.Trim();
        member.DisplayName = added.DisplayName?.Trim() ?? "";
        member.Role = added.Role;
        member.IsActive = true;
        member.ChangedAt = added.OccurredAt;
    }
}

/// <summary>A removed member gets no further notifications about the account.</summary>
public sealed class MemberRemovedConsumer(NotificationsDb db) : IConsumer<MemberRemoved>
{
    public async Task Consume(ConsumeContext<MemberRemoved> context)
    {
        var removed = context.Message;
        if (removed.AccountId == Guid.Empty || string.IsNullOrWhiteSpace(removed.UserId))
        {
            throw new InvalidMessageException("MemberRemoved needs an account id and a user id.");
        }

        var member = await db.Members.FindAsync([removed.AccountKind, removed.AccountId, removed.UserId], context.CancellationToken);
        if (member is null)
        {
            // Removed before its addition arrived: remember the removal so the late addition is ignored.
            db.Members.Add(new Member
            {
                AccountKind = removed.AccountKind,
                AccountId = removed.AccountId,
                UserId = removed.UserId,
                IsActive = false,
                ChangedAt = removed.OccurredAt,
            });
            return;
        }

        if (removed.OccurredAt >= member.ChangedAt)
        {
            member.IsActive = false;
            member.ChangedAt = removed.OccurredAt;
        }
    }
}

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
