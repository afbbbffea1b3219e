using Cic.Billing.PaymentMethods;
using Cic.Billing.Stripe;
using Cic.Contracts;
using Cic.ServiceDefaults;
using Cic.ServiceDefaults.Background;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Cic.Billing.Reconciliation;

public static class ReconciliationSetup
{
    /// <summary>The periodic reconciliation with Stripe and the daily card-expiry pass.</summary>
    public static IHostApplicationBuilder AddReconciliation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<AccountSync>();
        builder.Services.AddSectionOptions<ReconciliationOptions>(ReconciliationOptions.Section);
        // Also run on demand (POST /billing-accounts/sync), on the same singleton.
        builder.Services.AddBackgroundWork<StripeReconciliation>();
        builder.Services.AddBackgroundWork<CardExpiryPass>();
        return builder;
    }
}

/// <summary>The periodic reconciliation: every customer re-read from Stripe, one account at a time.</summary>
public sealed partial class StripeReconciliation(IServiceScopeFactory scopes, IOptions<ReconciliationOptions> options, ILogger<StripeReconciliation> log)
    : PeriodicPass(scopes)
{
    protected override TimeSpan Interval => options.Value.Interval;

    protected override string Name => "reconciliation";

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var customers = await services.GetRequiredService<BillingDb>().BillingAccounts
            .Where(a => a.StripeCustomerId != null)
            .OrderBy(a => a.SyncedAt)
            .Select(a => a.StripeCustomerId!)
            .ToListAsync(cancellationToken);
        // Each condition is logged once a pass with its count, not once a customer: a few hundred customers deleted
        // in Stripe's dashboard must not bury the log in stack traces every hour.
        var unknown = new List<string>();
        var failed = new List<string>();
        Exception? firstFailure = null;
        foreach (var customer in customers)
        {
            // A scope per account: one account's failure or changes never touch another's.
            await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<AccountSync>().SyncAsync(customer, cancellationToken);
            }
            catch (global::Stripe.StripeException e) when (e.HttpStatusCode == System.Net.HttpStatusCode.NotFound && !cancellationToken.IsCancellationRequested)
            {
                unknown.Add(customer);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failed.Add(customer);
                firstFailure ??= e;
            }
        }

        if (unknown.Count > 0)
        {
            LogCustomersUnknown(unknown.Count, customers.Count, Sample(unknown));
        }

        if (firstFailure is not null)
        {
            LogCustomersFailed(firstFailure, failed.Count, customers.Count, Sample(failed));
        }
    }

    private static string Sample(List<string> customers) =>
        string.Join(", ", customers.Take(5)) + (customers.Count > 5 ? $" and {customers.Count - 5} more" : "");

    [LoggerMessage(LogLevel.Warning, "{Count} of {Total} Stripe customers are unknown to Stripe (deleted there?): {Customers}; their accounts are not reconciled (docs/runbook.md)")]
    private partial void LogCustomersUnknown(int count, int total, string customers);

    [LoggerMessage(LogLevel.Warning, "Reconciling {Count} of {Total} Stripe customers failed ({Customers}); the next pass tries again. The first failure")]
    private partial void LogCustomersFailed(Exception first, int count, int total, string customers);
}

/// <summary>The daily pass over card expiry: Stripe sends no event when a card expires.</summary>
public sealed class CardExpiryPass(IServiceScopeFactory scopes, IOptions<ReconciliationOptions> options)
    : PeriodicPass(scopes)
{
    protected override TimeSpan Interval => options.Value.CardExpiryInterval;

    protected override string Name => "card-expiry";

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var now = await services.GetRequiredService<StripeClock>().NowAsync(cancellationToken);
        var firstOfThisMonth = BillingCycle.Containing(now).Start;
        // Expired = the expiry month is before this month. Only which accounts to look at: each account's cards are
        // read again under its lock, where a webhook sync on another instance may just have reported them.
        var accounts = await services.GetRequiredService<BillingDb>().Cards
            .Where(c => c.DetachedAt == null && c.ExpiryReportedAt == null
                && (c.ExpYear < firstOfThisMonth.Year || (c.ExpYear == firstOfThisMonth.Year && c.ExpMonth < firstOfThisMonth.Month)))
            .Select(c => c.AccountId)
            .Distinct()
            .ToListAsync(cancellationToken);
        foreach (var account in accounts)
        {
            // A scope per account: nothing tracked from before its lock, and one account's failure never undoes another's report.
            await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<CardSync>().ReportExpiredAsync(account, now, cancellationToken);
        }
    }
}
