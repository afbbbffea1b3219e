using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Contracts.Usage;
using Cic.ServiceDefaults.Messaging;
using MassTransit;

namespace Cic.Notifications.Notices;

// One consumer (and so one queue) per billing event the seed lists. InvoicePaid is not among them:
// an invoice paid on time needs no notice, and one paid after failures is PaymentRetrySucceeded.

public sealed class InvoiceIssuedConsumer(Notifier notifier) : IConsumer<InvoiceIssued>
{
    public Task Consume(ConsumeContext<InvoiceIssued> context) => notifier.NotifyAsync(
        context.Message.BillingAccountKind, Checked.Account(context.Message.BillingAccountId),
        account => notifier.Notices.InvoiceIssued(context.Message, account), context.CancellationToken);
}

public sealed class InvoicePastDueConsumer(Notifier notifier) : IConsumer<InvoicePastDue>
{
    public Task Consume(ConsumeContext<InvoicePastDue> context) => notifier.NotifyAsync(
        context.Message.BillingAccountKind, Checked.Account(context.Message.BillingAccountId),
        account => notifier.Notices.InvoicePastDue(context.Message, account), context.CancellationToken);
}

public sealed class PaymentMethodExpiredConsumer(Notifier notifier) : IConsumer<PaymentMethodExpired>
{
    public Task Consume(ConsumeContext<PaymentMethodExpired> context) => notifier.NotifyAsync(
        context.Message.BillingAccountKind, Checked.Account(context.Message.BillingAccountId),
        account => notifier.Notices.PaymentMethodExpired(context.Message, account), context.CancellationToken);
}

public sealed class PaymentRetrySucceededConsumer(Notifier notifier) : IConsumer<PaymentRetrySucceeded>
{
    public Task Consume(ConsumeContext<PaymentRetrySucceeded> context) => notifier.NotifyAsync(
        context.Message.BillingAccountKind, Checked.Account(context.Message.BillingAccountId),
        account => notifier.Notices.PaymentRetrySucceeded(context.Message, account), context.CancellationToken);
}

public sealed class PaymentRetryFailedConsumer(Notifier notifier) : IConsumer<PaymentRetryFailed>
{
    public Task Consume(ConsumeContext<PaymentRetryFailed> context) => notifier.NotifyAsync(
        context.Message.BillingAccountKind, Checked.Account(context.Message.BillingAccountId),
        account => notifier.Notices.PaymentRetryFailed(context.Message, account), context.CancellationToken);
}

/// <summary>Usage's unusual-usage anomalies, told to the company's owners and billing members like a billing event.</summary>
public sealed class UnusualUsageDetectedConsumer(Notifier notifier) : IConsumer<UnusualUsageDetected>
{
    public Task Consume(ConsumeContext<UnusualUsageDetected> context)
    {
        var anomaly = context.Message;
        if (anomaly.CompanyId == Guid.Empty)
        {
            throw new InvalidMessageException("companyId: the event names no company.");
        }

        if (anomaly.Direction is not ("spike" or "drop"))
        {
            throw new InvalidMessageException($"direction: '{anomaly.Direction}' is neither spike nor drop.");
        }

        return notifier.NotifyAsync(AccountKind.Company, anomaly.CompanyId, company => notifier.Notices.UnusualUsage(anomaly, company), context.CancellationToken);
    }
}

internal static class Checked
{
    /// <summary>A billing event without its account can never be delivered to anyone: straight to the error queue.</summary>
    public static Guid Account(Guid billingAccountId) => billingAccountId == Guid.Empty
        ? throw new InvalidMessageException("The billing event names no billing account.")
        : billingAccountId;
}
