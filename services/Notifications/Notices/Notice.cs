using Cic.Contracts;
using Cic.Notifications.Settings;

namespace Cic.Notifications.Notices;

/// <summary>
/// What one billing event tells its recipients, in words: the feed entry's title, summary and link,
/// and the email's subject and body. The same for every recipient; only the email's greeting differs.
/// </summary>
/// <param name="EmailText">The email's body between the greeting and the footer: what happened, and what to do next.</param>
public sealed record Notice(
    Guid EventId,
    DateTimeOffset OccurredAt,
    NotificationType Type,
    AccountKind AccountKind,
    Guid AccountId,
    string AccountName,
    string Title,
    string Summary,
    string? Link,
    string EmailSubject,
    string EmailText);
