using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.BillingAccounts;

/// <summary>
/// Who did what to a billing account's cards and payments, and when: the record of staff acting on a
/// customer's behalf as much as of customers acting themselves.
/// </summary>
public sealed class AccountAction
{
    public Guid Id { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>What was done, e.g. <c>card_setup_started</c>, <c>default_card_set</c>, <c>card_removed</c>, <c>payment_retried</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The Stripe object acted on (<c>seti_…</c>, <c>pm_…</c>, <c>in_…</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>The user who did it (the token's <c>sub</c>).</summary>
    public required string Actor { get; init; }

    /// <summary>True when staff acted on the customer's behalf.</summary>
    public bool ActorIsStaff { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>For staff's card actions: the customer's authorization they acted under.</summary>
    public Guid? AuthorizationId { get; init; }
}

internal sealed class AccountActionConfiguration : IEntityTypeConfiguration<AccountAction>
{
    public void Configure(EntityTypeBuilder<AccountAction> action)
    {
        action.ToTable("account_actions");
        action.HasKey(a => a.Id);
        action.Property(a => a.Action).HasMaxLength(50);
        action.Property(a => a.Subject).HasMaxLength(255);
        action.Property(a => a.Actor).HasMaxLength(200);
        action.HasIndex(a => new { a.AccountId, a.At });
        action.HasIndex(a => a.AuthorizationId);
    }
}

public static class AccountActions
{
    /// <summary>Records who did something to an account's billing; saved with the caller's next SaveChanges.</summary>
    public static void RecordAction(this BillingDb db, Guid accountId, string action, string? subject, System.Security.Claims.ClaimsPrincipal user, DateTimeOffset at, Guid? id = null, Guid? authorizationId = null) =>
        db.AccountActions.Add(new AccountAction
        {
            Id = id ?? Guid.NewGuid(),
            AccountId = accountId,
            Action = action,
            Subject = subject,
            Actor = Cic.ServiceDefaults.Http.PortalAuthentication.UserId(user),
            ActorIsStaff = Cic.ServiceDefaults.Http.PortalAuthentication.IsStaff(user),
            At = at,
            AuthorizationId = authorizationId,
        });
}
