using System.Globalization;
using System.Text;
using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Contracts.Usage;
using Cic.Notifications.Settings;
using Microsoft.Extensions.Options;
using static Cic.Notifications.Notices.Wording;

namespace Cic.Notifications.Notices;

/// <summary>
/// The notification templates: for each billing event, what happened, to which company or
/// organization, the amount, and what to do next (the hosted invoice, adding a new card).
/// </summary>
public sealed class BillingNotices(IOptions<PortalOptions> portal)
{
    // With a trailing slash, so pages resolve under the base's path rather than beside it.
    private readonly Uri? _portal = portal.Value.BaseUrl is { } url ? new Uri(url.ToString().TrimEnd('/') + "/") : null;

    public Notice InvoiceIssued(InvoiceIssued e, string account)
    {
        var amount = Money(e.AmountDue, e.Currency);
        var period = $"{Day(e.PeriodStart)} to {LastDay(e.PeriodEnd)}";
        var payment = e.DueDate is { } due
            ? $"Payment is due by {Day(due)}."
            : "It will be charged to the default card on file; there is nothing to do if that card is valid.";
        var link = e.HostedInvoiceUrl ?? InvoicesPage(e.BillingAccountKind, e.BillingAccountId);
        var text = new StringBuilder()
            .AppendLine($"A new invoice, {e.InvoiceNumber}, was issued to {account} for the calls CIC handled from {period}.")
            .AppendLine()
            .AppendLine($"Amount due: {amount}")
            .AppendLine(payment)
            .AppendLine()
            .AppendLine(link is null ? "You can see the invoice in the CIC portal, under Billing > Invoices." : $"See or pay the invoice: {link}");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.InvoiceIssued, e.BillingAccountKind, e.BillingAccountId, account,
            $"New invoice {e.InvoiceNumber} for {account}: {amount}",
            $"Invoice {e.InvoiceNumber} for calls from {period} is {amount}. {payment}",
            link,
            $"New invoice {e.InvoiceNumber} for {account}: {amount}",
            text.ToString());
    }

    public Notice InvoicePastDue(InvoicePastDue e, string account)
    {
        var amount = Money(e.AmountRemaining, e.Currency);
        var next = e.NextPaymentAttempt is { } attempt
            ? $"The card on file will be charged again on {Day(attempt)}."
            : "No further automatic payment attempt is scheduled.";
        var text = new StringBuilder()
            .AppendLine($"Invoice {e.InvoiceNumber} for {account} is past due: {amount} is still owed.")
            .AppendLine(next)
            .AppendLine()
            .AppendLine("What to do next:")
            .AppendLine(e.HostedInvoiceUrl is { } url ? $"- Pay the invoice now: {url}" : "- Pay the invoice in the CIC portal, under Billing > Invoices.")
            .AppendLine($"- Or add a new card, which the next attempt will use: {AddCardWhere(e.BillingAccountKind, e.BillingAccountId)}");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.InvoicePastDue, e.BillingAccountKind, e.BillingAccountId, account,
            $"Invoice {e.InvoiceNumber} for {account} is past due",
            $"{amount} is still owed. {next} Pay the invoice or add a new card.",
            e.HostedInvoiceUrl ?? PaymentMethodsPage(e.BillingAccountKind, e.BillingAccountId),
            $"Past due: invoice {e.InvoiceNumber} for {account} ({amount})",
            text.ToString());
    }

    public Notice PaymentMethodExpired(PaymentMethodExpired e, string account)
    {
        var card = Card(e.Brand, e.Last4);
        var consequence = e.WasDefault
            ? "It was the card invoices are charged to, so the next invoice cannot be paid until a new card is added."
            : "It was not the default card, so invoices are still charged to the default card; you may remove the expired one.";
        var text = new StringBuilder()
            .AppendLine($"The {card} on file for {account} expired at the end of {Month(e.ExpMonth, e.ExpYear)}.")
            .AppendLine(consequence)
            .AppendLine()
            .AppendLine($"What to do next: add a new card: {AddCardWhere(e.BillingAccountKind, e.BillingAccountId)}");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.PaymentMethodExpired, e.BillingAccountKind, e.BillingAccountId, account,
            $"The {card} for {account} has expired",
            $"It expired at the end of {Month(e.ExpMonth, e.ExpYear)}. {(e.WasDefault ? "Add a new card so invoices can be paid." : "Invoices are still charged to the default card.")}",
            PaymentMethodsPage(e.BillingAccountKind, e.BillingAccountId),
            $"Card expired: the {card} for {account}",
            text.ToString());
    }

    public Notice PaymentRetrySucceeded(PaymentRetrySucceeded e, string account)
    {
        var amount = Money(e.AmountPaid, e.Currency);
        var attempts = e.AttemptCount > 1 ? $" after {e.AttemptCount} attempts" : "";
        var text = new StringBuilder()
            .AppendLine($"The payment of invoice {e.InvoiceNumber} for {account} succeeded{attempts}: {amount} was paid.")
            .AppendLine()
            .AppendLine("There is nothing more to do; the invoice is settled.");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.PaymentRetrySucceeded, e.BillingAccountKind, e.BillingAccountId, account,
            $"Invoice {e.InvoiceNumber} for {account} is paid",
            $"{amount} was paid{attempts}. Nothing more to do.",
            InvoicesPage(e.BillingAccountKind, e.BillingAccountId),
            $"Payment received: invoice {e.InvoiceNumber} for {account} ({amount})",
            text.ToString());
    }

    public Notice PaymentRetryFailed(PaymentRetryFailed e, string account)
    {
        var amount = Money(e.AmountRemaining, e.Currency);
        var reason = DeclineReason(e.FailureReason);
        var next = e.NextPaymentAttempt is { } attempt
            ? $"The card will be charged again on {Day(attempt)}."
            : "No further automatic payment attempt is scheduled.";
        var text = new StringBuilder()
            .AppendLine($"Another attempt to pay invoice {e.InvoiceNumber} for {account} failed{(reason is null ? "" : $": {reason}")}.")
            .AppendLine($"{amount} is still owed. {next}")
            .AppendLine()
            .AppendLine("What to do next:")
            .AppendLine($"- Add a new card, which the next attempt will use: {AddCardWhere(e.BillingAccountKind, e.BillingAccountId)}")
            .AppendLine(e.HostedInvoiceUrl is { } url ? $"- Or pay the invoice now: {url}" : "- Or pay the invoice in the CIC portal, under Billing > Invoices.");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.PaymentRetryFailed, e.BillingAccountKind, e.BillingAccountId, account,
            $"Payment of invoice {e.InvoiceNumber} for {account} failed",
            $"{amount} is still owed{(reason is null ? "" : $" ({reason})")}. {next} Add a new card or pay the invoice.",
            e.HostedInvoiceUrl ?? PaymentMethodsPage(e.BillingAccountKind, e.BillingAccountId),
            $"Payment failed: invoice {e.InvoiceNumber} for {account} ({amount})",
            text.ToString());
    }

    public Notice UnusualUsage(UnusualUsageDetected e, string company)
    {
        var spike = e.Direction == "spike";
        var hour = $"{e.WindowStart.UtcDateTime:HH:mm}–{e.WindowEnd.UtcDateTime:HH:mm} UTC on {Day(e.WindowStart)}";
        var change = spike ? "far more" : "far fewer";
        var figures = string.Create(CultureInfo.InvariantCulture, $"{e.CallCount:N0} calls, against a usual {e.UsualCallsPerHour:N0} per hour over the previous {e.BaselineHours} hours");
        var meaning = spike
            ? "If this is not expected, something upstream may be sending calls twice or in a loop; every call handled is billed."
            : "If this is not expected, calls may not be reaching CIC; check the systems that handle them.";
        var link = Page(AccountKind.Company, e.CompanyId, "usage");
        var text = new StringBuilder()
            .AppendLine($"CIC handled {change} calls than usual for {company} between {hour}: {figures}.")
            .AppendLine(meaning)
            .AppendLine()
            .AppendLine(link is null ? "You can see the usage in the CIC portal, under Usage." : $"See the usage: {link}");
        return new Notice(e.EventId, e.OccurredAt, NotificationType.UnusualUsage, AccountKind.Company, e.CompanyId, company,
            $"Unusual usage for {company}: {(spike ? "a spike" : "a drop")} in calls",
            $"{hour}: {figures}.",
            link,
            $"Unusual usage: {(spike ? "a spike" : "a drop")} in calls for {company}",
            text.ToString());
    }

    /// <summary>The portal page of an account's cards (an assumption about the portal's routes, in one place).</summary>
    private string? PaymentMethodsPage(AccountKind kind, Guid id) => Page(kind, id, "payment-methods");

    private string? InvoicesPage(AccountKind kind, Guid id) => Page(kind, id, "invoices");

    private string AddCardWhere(AccountKind kind, Guid id) =>
        PaymentMethodsPage(kind, id) ?? "in the CIC portal, under Billing > Payment methods > Add a card.";

    private string? Page(AccountKind kind, Guid id, string page) => _portal is null
        ? null
        : new Uri(_portal, $"billing/{(kind == AccountKind.Organization ? "organizations" : "companies")}/{id}/{page}").ToString();
}
