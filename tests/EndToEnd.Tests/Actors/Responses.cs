namespace Cic.EndToEnd.Tests.Actors;

// What the services' public APIs answer, as a portal reads it: only the fields the stories look at.
// Enums travel as strings ("Company", "Owner", …).

public sealed record Company(Guid Id, string Name, string? ExternalReference, Guid? OrganizationId, DateTimeOffset RegisteredAt);

public sealed record Organization(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record Member(string UserId, string Email, string DisplayName, string Role);

public sealed record MyAccounts(IReadOnlyList<MyCompany> Companies, IReadOnlyList<MyOrganization> Organizations);

public sealed record MyCompany(Guid Id, string Name, Guid? OrganizationId, string? Role, bool ThroughOrganization);

public sealed record MyOrganization(Guid Id, string Name, string Role);

public sealed record BillingArrangement(Guid CompanyId, Arrangement? Current, Arrangement? Pending, IReadOnlyList<Arrangement> History);

public sealed record Arrangement(string PayerKind, Guid PayerId, DateTimeOffset EffectiveFrom, DateTimeOffset DecidedAt, string DecidedBy, long Version);

public sealed record CardSetup(string SetupIntentId, string ClientSecret, string? PublishableKey, string StripeCustomerId);

public sealed record Card(
    string Id, string Brand, string Last4, int ExpMonth, int ExpYear, bool IsDefault, bool Expired, bool ExpiresBeforeNextCycle,
    DateTimeOffset CreatedAt, string? AddedBy, bool AddedByStaff);

public sealed record ReadinessProblem(string Code, string Message);

public sealed record Readiness(
    Guid AccountId, string Kind, string Name, bool Ready, DateTimeOffset NextCycleStart,
    Guid PayerId, string PayerName, bool PendingSwitch, IReadOnlyList<ReadinessProblem> Problems);

public sealed record BillingAccount(
    Guid Id, string Kind, string Name, string? StripeCustomerId, string? StripeSubscriptionId,
    string? DefaultPaymentMethodId, bool Delinquent, DateTimeOffset? SyncedAt);

public sealed record UsagePeriod(DateTimeOffset Start, DateTimeOffset End, long Calls);

public sealed record UsageReport(Guid CompanyId, DateTimeOffset From, DateTimeOffset To, string Granularity, long TotalCalls, IReadOnlyList<UsagePeriod> Periods);

public sealed record CallRecord(string SourceSystem, string CallId, Guid CompanyId, DateTimeOffset HandledAt, long DurationMs, DateTimeOffset ReceivedAt);

public sealed record CallPage(IReadOnlyList<CallRecord> Calls, string? NextCursor);

public sealed record Notification(
    Guid Id, string Type, string AccountKind, Guid AccountId, string AccountName, string Title, string Summary, string? Link,
    DateTimeOffset OccurredAt, DateTimeOffset? ReadAt);

public sealed record Feed(IReadOnlyList<Notification> Items, int Page, int PageSize, int Total, int Unread);
