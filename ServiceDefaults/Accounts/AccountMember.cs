using Cic.Contracts;
using Cic.Contracts.Accounts;

namespace Cic.ServiceDefaults.Accounts;

/// <summary>
/// A portal user's membership of a company or organization, as a consuming service keeps it from
/// Accounts' <see cref="MemberAdded"/> and <see cref="MemberRemoved"/>. Each service maps this class to
/// its own table in its own database and ignores what it does not keep (role, email, display name);
/// <see cref="AccountsProjection"/> writes only the mapped columns. A removal is kept as a row that is
/// no longer <see cref="IsMember"/>, with the time it happened, so an older event arriving late cannot
/// bring the member back.
/// </summary>
public sealed class AccountMember
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The user's subject id at the identity provider (the token's <c>sub</c>).</summary>
    public required string UserId { get; init; }

    /// <summary>The role of the latest addition; a removal leaves it as it was.</summary>
    public MemberRole Role { get; init; }

    /// <summary>Where the user receives mail (empty if only a removal has been seen).</summary>
    public string Email { get; init; } = "";

    /// <summary>How the user is addressed (empty if only a removal has been seen).</summary>
    public string DisplayName { get; init; } = "";

    /// <summary>False once the member was removed.</summary>
    public bool IsMember { get; init; }

    /// <summary>When the latest applied membership event happened; older events are ignored.</summary>
    public DateTimeOffset AsOf { get; init; }
}

/// <summary>
/// Whether a company belongs to an organization, from <see cref="CompanyJoinedOrganization"/> and
/// <see cref="CompanyLeftOrganization"/>, kept like <see cref="AccountMember"/>. For access, not for
/// billing: who pays is <see cref="BillingArrangementChanged"/>.
/// </summary>
public sealed class OrganizationCompany
{
    public Guid CompanyId { get; init; }

    public Guid OrganizationId { get; init; }

    public bool IsMember { get; init; }

    public DateTimeOffset AsOf { get; init; }
}
