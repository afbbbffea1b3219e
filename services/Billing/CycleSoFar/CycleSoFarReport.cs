using System.Data;
using System.Security.Claims;
using Cic.Billing.BillingAccounts;
using Cic.Billing.UsagePush;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using global::Stripe;

namespace Cic.Billing.CycleSoFar;

/// <summary>
/// The figures of <see cref="CycleSoFarResponse"/>: the platform's side read in one snapshot and committed, then
/// Stripe's invoice preview for the payer asked with no transaction open.
/// </summary>
public sealed partial class CycleSoFarReport(BillingDb db, StripeClient stripe, StripeClock clock, ILogger<CycleSoFarReport> log)
{
    /// <summary>The current cycle of <paramref name="account"/> so far, as <paramref name="user"/> may see it (the payer's invoice only if they may see the payer).</summary>
    public async Task<CycleSoFarResponse> ReadAsync(BillingAccount account, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var now = await clock.NowAsync(cancellationToken);
        var cycle = BillingCycle.Containing(now);
        var payer = await db.PayingAccountAtAsync(account, now, cancellationToken);

        // One snapshot, so a push sent between two queries is counted once.
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var byCompany = account.Kind == AccountKind.Company;
        var tallied = await db.Database.SqlQuery<DayCalls>($"""
            SELECT company_id AS company, (window_start AT TIME ZONE 'UTC')::date AS day, sum(call_count)::bigint AS calls
            FROM billable_hours
            WHERE window_start >= {cycle.Start} AND window_start < {cycle.End}
              AND CASE WHEN {byCompany} THEN company_id = {account.Id} ELSE payer_id = {account.Id} END
            GROUP BY 1, 2
            """).ToListAsync(cancellationToken);
        var inStripe = await db.Database.SqlQuery<DayCalls>($"""
            SELECT company_id AS company, (window_start AT TIME ZONE 'UTC')::date AS day, sum(calls)::bigint AS calls
            FROM meter_pushes
            WHERE sent_at IS NOT NULL AND window_start >= {cycle.Start} AND window_start < {cycle.End}
              AND CASE WHEN {byCompany} THEN company_id = {account.Id} ELSE payer_id = {account.Id} END
            GROUP BY 1, 2
            """).ToListAsync(cancellationToken);

        // The payer's companies' calls in Stripe divide its invoice among them.
        var payerCalls = payer is null ? new Dictionary<Guid, long>()
            : await db.MeterPushes
                .Where(p => p.SentAt != null && p.PayerId == payer.Id && p.WindowStart >= cycle.Start && p.WindowStart < cycle.End)
                .GroupBy(p => p.CompanyId)
                .Select(g => new { CompanyId = g.Key, Calls = g.Sum(p => p.Calls) })
                .ToDictionaryAsync(g => g.CompanyId, g => g.Calls, cancellationToken);
        var memberCompanies = account.Kind == AccountKind.Organization
            ? await db.OrganizationCompanies.Where(o => o.OrganizationId == account.Id && o.IsMember).Select(o => o.CompanyId).ToListAsync(cancellationToken)
            : [account.Id];
        var companyIds = memberCompanies.Concat(tallied.Select(t => t.Company)).Concat(inStripe.Select(s => s.Company)).Distinct().ToList();
        var names = await db.BillingAccounts.AsNoTracking().Where(a => companyIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);
        await snapshot.CommitAsync(cancellationToken);

        var (preview, unavailable) = await PreviewAsync(payer, cancellationToken);
        var shares = preview is null ? null : AmountSplit.ByCalls(preview.Total, payerCalls);
        var payerVisible = payer is not null && (payer.Id == account.Id || (await db.FindAccountAsync(user, payer.Id, cancellationToken)).Account is not null);

        var days = tallied.Select(t => t.Day).Concat(inStripe.Select(s => s.Day)).Distinct().Order()
            .Select(day => new CycleDay(day, tallied.Where(t => t.Day == day).Sum(t => t.Calls), inStripe.Where(s => s.Day == day).Sum(s => s.Calls)))
            .ToList();
        var companies = companyIds
            .Select(id => new CycleCompany(
                id, names.GetValueOrDefault(id),
                tallied.Where(t => t.Company == id).Sum(t => t.Calls),
                inStripe.Where(s => s.Company == id).Sum(s => s.Calls),
                shares is null ? null : shares.GetValueOrDefault(id)))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.CompanyId)
            .ToList();
        var callsTallied = days.Sum(d => d.CallsTallied);
        var callsInStripe = days.Sum(d => d.CallsInStripe);

        EstimatedCharge? charge = null;
        var notes = new List<ReconciliationFlag>();
        if (preview is not null)
        {
            var callsOnInvoice = preview.Lines.Data.Sum(l => l.Quantity ?? 0);
            var amount = payer!.Id == account.Id ? preview.Total : companies.Sum(c => c.EstimatedAmount ?? 0);
            charge = new EstimatedCharge(
                preview.Currency, amount,
                payerVisible ? preview.Total : null, payerVisible ? preview.AmountDue : null, payerVisible ? callsOnInvoice : null,
                Utc(preview.PeriodStart), Utc(preview.PeriodEnd),
                payerVisible
                    ? preview.Lines.Data.Select(l => new EstimatedLine(l.Description, l.Quantity, l.Amount, l.Pricing?.UnitAmountDecimal?.ToString(System.Globalization.CultureInfo.InvariantCulture), l.Pricing?.PriceDetails?.PriceId)).ToList()
                    : []);
            var payerInStripe = payerCalls.Values.Sum();
            if (callsOnInvoice != payerInStripe)
            {
                notes.Add(new("calls_not_on_invoice",
                    $"Stripe's preview bills {callsOnInvoice} calls but {payerInStripe} of the cycle are in Stripe for {payer.Name}: Stripe may still be processing meter events, "
                    + "or the subscription's price was replaced mid-cycle (Stripe then bills only the calls after the change)."));
            }
        }

        if (callsTallied > callsInStripe)
        {
            notes.Add(new("calls_not_in_stripe_yet",
                $"{callsTallied - callsInStripe} calls tallied this cycle are not in Stripe yet; the charge grows when they are."));
        }

        return new CycleSoFarResponse(
            account.Id, account.Kind, account.Name, cycle.ToString(), cycle.Start, cycle.End, now,
            payer is null ? null : new CyclePayer(payer.Id, payer.Kind, payer.Name),
            callsTallied, callsInStripe, days, charge, unavailable, notes, companies);
    }


    private async Task<(global::Stripe.Invoice? Preview, ChargeUnavailable? Unavailable)> PreviewAsync(
        BillingAccount? payer, CancellationToken cancellationToken)
    {
        if (payer?.StripeSubscriptionId is null || payer.StripeCustomerId is null)
        {
            return (null, new("no_subscription",
                payer is null
                    ? "Accounts has not said yet who pays for this company's calls."
                    : $"No calls of {payer.Name} have reached Stripe yet, so Stripe would invoice nothing."));
        }

        try
        {
            var preview = await stripe.V1.Invoices.CreatePreviewAsync(
                new InvoiceCreatePreviewOptions { Customer = payer.StripeCustomerId, Subscription = payer.StripeSubscriptionId },
                cancellationToken: cancellationToken);
            return (preview, null);
        }
        catch (StripeException e) when (e.StripeError?.Code == "invoice_upcoming_none")
        {
            return (null, new("no_upcoming_invoice", $"Stripe will not invoice {payer.Name}'s subscription again: {e.StripeError.Message}"));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is StripeException or HttpRequestException or TaskCanceledException)
        {
            LogPreviewFailed(payer.Id, e.Message);
            return (null, new("stripe_unavailable", $"Stripe could not be asked for the charge: {e.Message}"));
        }
    }

    /// <summary>Calls of one company on one UTC day. One-word names: they match the query's columns under any naming convention.</summary>
    private sealed class DayCalls
    {
        public Guid Company { get; init; }

        public DateOnly Day { get; init; }

        public long Calls { get; init; }
    }

    private static DateTimeOffset Utc(DateTime stripeTime) => new(DateTime.SpecifyKind(stripeTime, DateTimeKind.Utc));

    [LoggerMessage(LogLevel.Warning, "Stripe's invoice preview for billing account {AccountId} could not be read: {Error}")]
    private partial void LogPreviewFailed(Guid accountId, string error);
}
