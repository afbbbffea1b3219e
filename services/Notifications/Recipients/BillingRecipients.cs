using Cic.Contracts;
using Cic.Contracts.Accounts;
using Microsoft.EntityFrameworkCore;

namespace Cic.Notifications.Recipients;

/// <summary>A user a billing notification goes to, with the address they have on the billing account.</summary>
public sealed record Recipient(string UserId, string Email, string DisplayName);

/// <summary>
/// Who hears about a billing account's invoices, payments and cards: its current owners and billing
/// members; for an organization, the organization's own members (not those of its companies, who are
/// not billed). Plain members (role <c>Member</c>) only read the account and get no billing notifications:
/// an owner who wants someone to get them gives them the <c>Billing</c> role in Accounts.
/// </summary>
public static class BillingRecipients
{
    public static Task<List<Recipient>> OfAsync(NotificationsDb db, AccountKind kind, Guid accountId, CancellationToken cancellationToken) =>
        db.Members
            .Where(m => m.AccountKind == kind && m.AccountId == accountId && m.IsMember
                && (m.Role == MemberRole.Owner || m.Role == MemberRole.Billing))
            .OrderBy(m => m.UserId)
            .Select(m => new Recipient(m.UserId, m.Email, m.DisplayName))
            .ToListAsync(cancellationToken);
}
