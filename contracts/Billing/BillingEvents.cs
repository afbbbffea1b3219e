// Events published by the Billing service, mostly for Notifications. Amounts are integer minor
// units (cents) with an ISO currency code in lower case, as Stripe reports them.
namespace Cic.Contracts.Billing;

/// <summary>Stripe issued (finalized) an invoice for a billing account.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the invoice was finalized (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="InvoiceId">Stripe's invoice id (<c>in_…</c>).</param>
/// <param name="InvoiceNumber">The invoice number customers see.</param>
/// <param name="PeriodStart">Start of the billed period (UTC).</param>
/// <param name="PeriodEnd">End of the billed period (UTC).</param>
/// <param name="AmountDue">Amount due, in minor units.</param>
/// <param name="Currency">ISO 4217 currency code, lower case.</param>
/// <param name="DueDate">When payment is due, if the invoice has a due date.</param>
/// <param name="HostedInvoiceUrl">Stripe's page where the customer can see and pay the invoice.</param>
public sealed record InvoiceIssued(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string InvoiceId,
    string InvoiceNumber,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    long AmountDue,
    string Currency,
    DateTimeOffset? DueDate,
    string? HostedInvoiceUrl) : IIntegrationEvent;

/// <summary>An open invoice became past due: its payment failed or its due date passed.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the invoice was found past due (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="InvoiceId">Stripe's invoice id.</param>
/// <param name="InvoiceNumber">The invoice number customers see.</param>
/// <param name="AmountRemaining">Amount still owed, in minor units.</param>
/// <param name="Currency">ISO 4217 currency code, lower case.</param>
/// <param name="NextPaymentAttempt">When Stripe will next try to charge, if it will.</param>
/// <param name="HostedInvoiceUrl">Stripe's page where the customer can pay the invoice.</param>
public sealed record InvoicePastDue(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string InvoiceId,
    string InvoiceNumber,
    long AmountRemaining,
    string Currency,
    DateTimeOffset? NextPaymentAttempt,
    string? HostedInvoiceUrl) : IIntegrationEvent;

/// <summary>An invoice was paid in full.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the invoice was paid (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="InvoiceId">Stripe's invoice id.</param>
/// <param name="InvoiceNumber">The invoice number customers see.</param>
/// <param name="AmountPaid">Amount paid, in minor units.</param>
/// <param name="Currency">ISO 4217 currency code, lower case.</param>
public sealed record InvoicePaid(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string InvoiceId,
    string InvoiceNumber,
    long AmountPaid,
    string Currency) : IIntegrationEvent;

/// <summary>A retried payment of a past-due invoice succeeded (automatic or triggered by staff or the customer).</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the payment succeeded (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="InvoiceId">Stripe's invoice id.</param>
/// <param name="InvoiceNumber">The invoice number customers see.</param>
/// <param name="AmountPaid">Amount paid, in minor units.</param>
/// <param name="Currency">ISO 4217 currency code, lower case.</param>
/// <param name="AttemptCount">How many payment attempts the invoice took.</param>
public sealed record PaymentRetrySucceeded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string InvoiceId,
    string InvoiceNumber,
    long AmountPaid,
    string Currency,
    int AttemptCount) : IIntegrationEvent;

/// <summary>A retried payment of a past-due invoice failed.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the attempt failed (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="InvoiceId">Stripe's invoice id.</param>
/// <param name="InvoiceNumber">The invoice number customers see.</param>
/// <param name="AmountRemaining">Amount still owed, in minor units.</param>
/// <param name="Currency">ISO 4217 currency code, lower case.</param>
/// <param name="AttemptCount">How many payment attempts have been made.</param>
/// <param name="NextPaymentAttempt">When Stripe will try again, if it will.</param>
/// <param name="FailureReason">Why the card was declined, as Stripe said it (e.g. <c>expired_card</c>).</param>
/// <param name="HostedInvoiceUrl">Stripe's page where the customer can pay the invoice.</param>
public sealed record PaymentRetryFailed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string InvoiceId,
    string InvoiceNumber,
    long AmountRemaining,
    string Currency,
    int AttemptCount,
    DateTimeOffset? NextPaymentAttempt,
    string? FailureReason,
    string? HostedInvoiceUrl) : IIntegrationEvent;

/// <summary>A card on file for a billing account has passed its expiry date. Reported once per card.</summary>
/// <param name="EventId">Unique id of this event.</param>
/// <param name="OccurredAt">When the expiry was noticed (UTC).</param>
/// <param name="BillingAccountKind">Whether the payer is a company or an organization.</param>
/// <param name="BillingAccountId">The paying company's or organization's id.</param>
/// <param name="PaymentMethodId">Stripe's payment method id (<c>pm_…</c>).</param>
/// <param name="Brand">Card brand, e.g. <c>visa</c>.</param>
/// <param name="Last4">The card number's last four digits.</param>
/// <param name="ExpMonth">Expiry month, 1–12.</param>
/// <param name="ExpYear">Expiry year, four digits.</param>
/// <param name="WasDefault">Whether it was the card new invoices are charged to.</param>
public sealed record PaymentMethodExpired(
    Guid EventId,
    DateTimeOffset OccurredAt,
    AccountKind BillingAccountKind,
    Guid BillingAccountId,
    string PaymentMethodId,
    string Brand,
    string Last4,
    int ExpMonth,
    int ExpYear,
    bool WasDefault) : IIntegrationEvent;
