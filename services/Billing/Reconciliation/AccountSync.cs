using Cic.Billing.Invoices;
using Cic.Billing.PaymentMethods;

namespace Cic.Billing.Reconciliation;

/// <summary>
/// Re-reads everything Stripe knows about one customer that Billing mirrors: its default card,
/// cards and invoices. What a missed webhook would have told, and how changes made in Stripe's
/// dashboard (refunds, credits) arrive.
/// </summary>
public sealed class AccountSync(CardSync cards, InvoiceSync invoices)
{
    public async Task SyncAsync(string stripeCustomerId, CancellationToken cancellationToken)
    {
        await cards.SyncCustomerAsync(stripeCustomerId, cancellationToken);
        await invoices.SyncCustomerAsync(stripeCustomerId, cancellationToken);
    }
}
