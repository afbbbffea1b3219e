using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Invoices;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Subscriptions;

/// <summary>What happens to a subscription over time: renewals at period end, scheduled and immediate cancellation.</summary>
internal sealed class SubscriptionService(EmulatorState state, EventPublisher events, InvoiceService invoices)
{
    /// <summary>When this subscription next needs attention (period end or scheduled cancellation), or null if never.</summary>
    public static long? DueAt(Subscription subscription)
    {
        if (!subscription.IsLive || subscription.ItemList.Count == 0)
        {
            return null;
        }
        var periodEnd = subscription.ItemList.Min(i => i.CurrentPeriodEnd);
        return subscription.CancelAt is { } cancelAt ? Math.Min(cancelAt, periodEnd) : periodEnd;
    }

    /// <summary>Runs whatever is due at <paramref name="now"/>: the scheduled end, or a renewal.</summary>
    public void RunDue(Subscription subscription, long now)
    {
        if (subscription.CancelAt is { } cancelAt && cancelAt <= now)
        {
            Cancel(subscription, "cancellation_requested", invoiceNow: true, now);
        }
        else
        {
            Renew(subscription, now);
        }
    }

    /// <summary>
    /// The period just ended: a draft <c>subscription_cycle</c> invoice with the period's usage (metered items, in arrears)
    /// and the next period's licensed items (in advance); it finalizes after the grace period.
    /// </summary>
    public void Renew(Subscription subscription, long now)
    {
        var (start, end, nextEnd) = CurrentPeriod(subscription);
        var before = events.Snapshot(subscription);
        var invoice = invoices.CreateForSubscription(subscription, "subscription_cycle", start, end, now);
        AddRenewalLines(invoice, subscription, end, nextEnd);
        foreach (var item in subscription.ItemList)
        {
            item.CurrentPeriodStart = end;
            item.CurrentPeriodEnd = nextEnd;
        }
        // Stripe still invoices "unpaid" subscriptions but leaves those invoices as drafts, never attempted.
        invoice.AutoAdvance = subscription.Status != "unpaid";
        events.Publish("invoice.created", invoice);
        events.PublishChanges("customer.subscription.updated", subscription, before);
    }

    /// <summary>
    /// The invoice the current period will end with, as <c>create_preview</c> shows it: the usage recorded so far at
    /// each item's price today, and the next period's licensed items. Nothing changes and nothing is stored.
    /// </summary>
    public Invoice PreviewRenewal(Subscription subscription)
    {
        var (start, end, nextEnd) = CurrentPeriod(subscription);
        var preview = invoices.NewPreview(subscription, start, end);
        AddRenewalLines(preview, subscription, end, nextEnd);
        invoices.ApplyBalancePreview(preview);
        return preview;
    }

    private static (long Start, long End, long NextEnd) CurrentPeriod(Subscription subscription)
    {
        var first = subscription.ItemList[0];
        var recurring = first.Price.Recurring!;
        var end = first.CurrentPeriodEnd;
        return (first.CurrentPeriodStart, end, BillingPeriods.NextBoundary(subscription.BillingCycleAnchor, recurring.Interval, recurring.IntervalCount, end));
    }

    private void AddRenewalLines(Invoice invoice, Subscription subscription, long end, long nextEnd)
    {
        foreach (var item in subscription.ItemList)
        {
            if (item.Price.IsMetered)
            {
                invoices.AddUsageLine(invoice, item, item.CurrentPeriodStart, item.CurrentPeriodEnd);
            }
            else
            {
                invoices.AddLicensedLine(invoice, item, end, nextEnd);
            }
        }
    }

    /// <summary>
    /// Ends the subscription now. With <paramref name="invoiceNow"/>, usage recorded so far in the current period is
    /// invoiced (finalized and charged at once), as Stripe does for <c>invoice_now=true</c> and scheduled cancellations.
    /// </summary>
    public void Cancel(Subscription subscription, string reason, bool invoiceNow = false, long? at = null)
    {
        var now = at ?? state.NowFor(subscription.TestClock);
        if (invoiceNow && subscription.IsLive && subscription.ItemList.Any(i => i.Price.IsMetered))
        {
            var start = subscription.ItemList.Min(i => i.CurrentPeriodStart);
            var invoice = invoices.CreateForSubscription(subscription, "subscription_cycle", start, now, now);
            foreach (var item in subscription.ItemList.Where(i => i.Price.IsMetered))
            {
                invoices.AddUsageLine(invoice, item, item.CurrentPeriodStart, now);
            }
            events.Publish("invoice.created", invoice);
            if (invoice.CollectionMethod == "charge_automatically")
            {
                invoices.Finalize(invoice, now);
                if (invoice.Status == "open")
                {
                    invoices.Attempt(invoice, explicitMethod: null, automatic: true, now);
                }
            }
        }
        subscription.Status = "canceled";
        subscription.CanceledAt = now;
        subscription.EndedAt = now;
        subscription.CancelAt = null;
        subscription.CancelAtPeriodEnd = false;
        subscription.CancellationDetails.Reason = reason;
        events.Publish("customer.subscription.deleted", subscription);
    }
}
