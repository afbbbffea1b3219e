using System.Text.Json.Serialization;

// Events published by the Accounts service: who the customers are and who pays for whom.
namespace Cic.Contracts.Accounts;

/// <summary>A portal user's role on a company or an organization.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemberRole>))]
public enum MemberRole
{
    /// <summary>Manages the account, including its members.</summary>
    Owner,

    /// <summary>Looks after billing: cards, invoices and their notifications.</summary>
    Billing,

    /// <summary>Reads the account.</summary>
    Member,
}

/// <summary>A company was registered with the platform.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the company was registered (UTC).</param>
/// <param name="CompanyId">The company's id; also the id calls are reported under.</param>
/// <param name="Name">The company's name.</param>
/// <param name="ExternalReference">The company's reference in other CIC systems, if it has one.</param>
public sealed record CompanyRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    string Name,
    string? ExternalReference) : IIntegrationEvent;

/// <summary>A company was renamed.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the company was renamed (UTC).</param>
/// <param name="CompanyId">The company.</param>
/// <param name="Name">Its new name.</param>
public sealed record CompanyRenamed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    string Name) : IIntegrationEvent;

/// <summary>An organization was created.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the organization was created (UTC).</param>
/// <param name="OrganizationId">The organization's id.</param>
/// <param name="Name">The organization's name.</param>
public sealed record OrganizationCreated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid OrganizationId,
    string Name) : IIntegrationEvent;

/// <summary>
/// A company joined an organization. Membership changes at once; who pays changes only from the
/// next billing cycle, reported by <see cref="BillingArrangementChanged"/>.
/// </summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the company joined (UTC).</param>
/// <param name="CompanyId">The company.</param>
/// <param name="OrganizationId">The organization it joined.</param>
public sealed record CompanyJoinedOrganization(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    Guid OrganizationId) : IIntegrationEvent;

/// <summary>A company left an organization (see <see cref="CompanyJoinedOrganization"/> on billing).</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the company left (UTC).</param>
/// <param name="CompanyId">The company.</param>
/// <param name="OrganizationId">The organization it left.</param>
public sealed record CompanyLeftOrganization(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    Guid OrganizationId) : IIntegrationEvent;

/// <summary>
/// Who pays for a company's usage from a given moment on: the company itself or its organization.
/// Arrangements are effective-dated; a change of membership takes effect at the start of the next
/// billing cycle (calendar month, UTC). A later event with a higher <paramref name="Version"/> for
/// the same company and <paramref name="EffectiveFrom"/> replaces the earlier one, which is how a
/// pending change is cancelled.
/// </summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the arrangement was decided (UTC).</param>
/// <param name="CompanyId">The company whose usage is billed.</param>
/// <param name="PayerKind">Whether the company pays itself or through an organization.</param>
/// <param name="PayerId">The id of the paying company or organization: the billing account.</param>
/// <param name="EffectiveFrom">From when this arrangement is in force (UTC).</param>
/// <param name="Version">Increases with every arrangement decision for the company; the highest wins.</param>
public sealed record BillingArrangementChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid CompanyId,
    AccountKind PayerKind,
    Guid PayerId,
    DateTimeOffset EffectiveFrom,
    long Version) : IIntegrationEvent;

/// <summary>A portal user was made a member of a company or organization, or had their role changed.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the membership was granted (UTC).</param>
/// <param name="AccountKind">Whether the account is a company or an organization.</param>
/// <param name="AccountId">The company's or organization's id.</param>
/// <param name="UserId">The user's subject id at the identity provider (the token's <c>sub</c>).</param>
/// <param name="Email">Where the user receives mail.</param>
/// <param name="DisplayName">How the user is addressed.</param>
/// <param name="Role">The user's role on the account.</param>
public sealed record MemberAdded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind AccountKind,
    Guid AccountId,
    string UserId,
    string Email,
    string DisplayName,
    MemberRole Role) : IIntegrationEvent;

/// <summary>A portal user stopped being a member of a company or organization.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the membership ended (UTC).</param>
/// <param name="AccountKind">Whether the account is a company or an organization.</param>
/// <param name="AccountId">The company's or organization's id.</param>
/// <param name="UserId">The user's subject id at the identity provider.</param>
public sealed record MemberRemoved(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind AccountKind,
    Guid AccountId,
    string UserId) : IIntegrationEvent;
