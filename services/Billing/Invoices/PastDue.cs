using System.Linq.Expressions;

namespace Cic.Billing.Invoices;

// Issued and past due, as plain functions and the queries that say the same (tests/Rules.Tests; ./cic mutate mutates this file).
public sealed partial class Invoice
{
    /// <summary>Finalized: it has a number and was open, paid or uncollectible (a voided one was withdrawn).</summary>
    public bool IsIssued => Number is not null && Status is "open" or "paid" or "uncollectible";

    /// <summary>
    /// Past due: still open after a payment attempt failed (Stripe keeps such invoices <c>open</c> while it
    /// retries) or after its due date passed.
    /// </summary>
    public bool IsPastDueAt(DateTimeOffset now) => Status == "open" && (AttemptCount > 0 || (DueDate is { } due && due < now));

    /// <summary><see cref="IsPastDueAt"/> for queries.</summary>
    public static Expression<Func<Invoice, bool>> PastDueAt(DateTimeOffset now) =>
        i => i.Status == "open" && (i.AttemptCount > 0 || (i.DueDate != null && i.DueDate < now));

    /// <summary>The negation of <see cref="PastDueAt"/>, for queries.</summary>
    public static Expression<Func<Invoice, bool>> NotPastDueAt(DateTimeOffset now) =>
        i => !(i.Status == "open" && (i.AttemptCount > 0 || (i.DueDate != null && i.DueDate < now)));
}
