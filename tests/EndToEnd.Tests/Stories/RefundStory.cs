using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>Story 6 before the month ends: a company with a card and calls.</summary>
public sealed class RefundMonth
{
    public required Company Company { get; init; }

    public required AccountUser Owner { get; init; }

    public required int Calls { get; init; }

    public IReadOnlyDictionary<Guid, long> Payers => new Dictionary<Guid, long> { [Company.Id] = Calls };

    public static async Task<RefundMonth> BeforeAsync(RunningPlatform platform, DateTimeOffset hour)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var company = await platform.Staff.Accounts.RegisterCompanyAsync($"Refund Roofers {tag}");
        var owner = await platform.MemberAsync("companies", company.Id, "Rita", "Owner", tag);
        await owner.AddsDefaultCardAsync(platform, company.Id);
        await using var ivr = platform.CallHandlingSystem($"roofer-ivr-{tag}");
        await ivr.PublishAsync(ivr.Calls(company.Id, hour, 50, "rf"));
        return new RefundMonth { Company = company, Owner = owner, Calls = 50 };
    }
}

/// <summary>Story 6, the seed's "Refunds and credits are issued through the Stripe dashboard, not the portal. The portal will reflect the resulting invoice/payment state on the next sync."</summary>
[Collection(nameof(TheMonthRunOut))]
public sealed class RefundStory(RunningPlatform platform, MonthEnd month)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RefundMonth Story => month.Refund;

    [Fact]
    public async Task A_refund_made_in_stripes_dashboard_shows_on_the_invoice_after_the_next_sync()
    {
        var rita = Story.Owner.Portal;
        var paid = await rita.Billing.InvoiceAsync((await month.InvoiceOfAsync(rita, Story.Company.Id, "paid")).Id, Ct);
        var amount = Story.Calls * RunningPlatform.CentsPerCall;
        Assert.Equal((amount, amount, 0L), (paid.Total, paid.AmountPaid, paid.PostPaymentCreditNotesAmount));

        // Finance refunds part of it in Stripe's dashboard.
        await platform.Stripe.RefundInDashboardAsync(paid.Id, 40, Ct);

        // The next sync (here staff's; the periodic reconciliation and Stripe's webhooks do the same) brings it in.
        await platform.Staff.Billing.SyncAsync(Story.Company.Id, Ct);
        var refunded = await rita.Billing.InvoiceAsync(paid.Id, Ct);
        Assert.Equal(("paid", amount, 40L), (refunded.Status, refunded.AmountPaid, refunded.PostPaymentCreditNotesAmount));
    }
}
