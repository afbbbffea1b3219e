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

public sealed record StaffAuthorization(Guid Id, Guid AccountId, string GrantedBy, DateTimeOffset GrantedAt, DateTimeOffset? ExpiresAt, bool Current);

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

public sealed record InvoiceSummary(
    string Id, string? Number, Guid AccountId, string AccountKind, string AccountName, string Status, bool PastDue,
    string Currency, long Total, long AmountDue, long AmountPaid, long AmountRemaining,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset CreatedAt, DateTimeOffset? DueDate,
    int AttemptCount, DateTimeOffset? NextPaymentAttempt, string? LastPaymentError, string? HostedInvoiceUrl);

public sealed record InvoicePage(IReadOnlyList<InvoiceSummary> Items, int Page, int PageSize, int Total);

public sealed record InvoiceDetail(
    string Id, string? Number, Guid AccountId, string AccountKind, string AccountName, string Status, bool PastDue,
    string Currency, long Total, long AmountDue, long AmountPaid, long AmountRemaining,
    long PrePaymentCreditNotesAmount, long PostPaymentCreditNotesAmount,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset? PaidAt, int AttemptCount, string? LastPaymentError,
    string? HostedInvoiceUrl, IReadOnlyList<InvoiceLine> Lines, IReadOnlyList<PaymentRetry> Retries, IReadOnlyList<CompanyUsage> UsageByCompany);

public sealed record InvoiceLine(string Id, string? Description, long? Quantity, long Amount, string Currency, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

public sealed record PaymentRetry(
    Guid Id, string? PaymentMethodId, string RequestedBy, bool RequestedByStaff, DateTimeOffset RequestedAt,
    string Outcome, string? FailureCode, string? FailureMessage, DateTimeOffset? CompletedAt);

/// <summary>The calls the platform pushed to Stripe for the invoice's period, per company: the invoice's per-company breakdown.</summary>
public sealed record CompanyUsage(Guid CompanyId, string? CompanyName, long Calls);

public sealed record RetryOutcome(PaymentRetry Retry, InvoiceDetail Invoice);

public sealed record ReconciliationFlag(string Code, string Message);

public sealed record CompanyUsageRow(Guid CompanyId, string? Name, long CallsTallied, long CallsPushed, long CallsPending, long CallsRejected, bool Matches);

/// <summary>Staff's view of an account's usage in a cycle: tallied by the platform, pushed to Stripe, and Stripe's own figure.</summary>
public sealed record UsageReconciliation(
    Guid AccountId, string Kind, string Name, string Cycle, string? StripeCustomerId,
    long CallsTallied, long CallsPushed, long CallsPending, long CallsRejected, long CallsAwaitingPayer, decimal? CallsInStripe,
    bool Matches, IReadOnlyList<ReconciliationFlag> Flags, IReadOnlyList<CompanyUsageRow> Companies);
