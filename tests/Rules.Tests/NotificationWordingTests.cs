using Cic.Contracts;
using Cic.Contracts.Billing;
using Cic.Contracts.Usage;
using Cic.Notifications.Notices;
using Cic.Notifications.Settings;
using Microsoft.Extensions.Options;

namespace Cic.Rules.Tests;

/// <summary>How notifications read: amounts, days, cards, decline reasons, and each notice's what-happened and what-to-do.</summary>
public sealed class NotificationWordingTests
{
    private static readonly Guid Account = Guid.Parse("5d0c3f7e-1111-4b4b-9c9c-000000000001");
    private static readonly DateTimeOffset At = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly BillingNotices WithPortal = new(Options.Create(new PortalOptions { BaseUrl = new Uri("https://portal.cic.test/app") }));
    private static readonly BillingNotices WithoutPortal = new(Options.Create(new PortalOptions()));

    [Theory]
    [InlineData(123450, "usd", "1,234.50 USD")]
    [InlineData(5, "EUR", "0.05 EUR")]
    [InlineData(-250, "usd", "-2.50 USD")]
    [InlineData(1500, "jpy", "1,500 JPY")] // zero-decimal: already whole yen
    [InlineData(1500, " KRW ", "1,500 KRW")]
    [InlineData(1500, null, "15.00")]
    [InlineData(1500, "", "15.00")]
    public void Amounts_read_in_whole_units_with_the_currency(long minor, string? currency, string expected) =>
        Assert.Equal(expected, Wording.Money(minor, currency));

    [Fact]
    public void Days_and_months_read_in_english_in_utc()
    {
        Assert.Equal("1 December 2026", Wording.Day(new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.FromHours(-5))));
        Assert.Equal("30 November 2026", Wording.LastDay(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("1 December 2026", Wording.LastDay(new DateTimeOffset(2026, 12, 1, 0, 0, 0, 1, TimeSpan.Zero)));
        Assert.Equal("March 2027", Wording.Month(3, 2027));
        Assert.Equal("January 2027", Wording.Month(0, 2027));
        Assert.Equal("December 2027", Wording.Month(13, 2027));
    }

    [Theory]
    [InlineData("visa", "Visa card ending in 4242")]
    [InlineData("MasterCard", "Mastercard ending in 4242")]
    [InlineData("amex", "American Express card ending in 4242")]
    [InlineData("discover", "Discover card ending in 4242")]
    [InlineData("diners", "Diners Club card ending in 4242")]
    [InlineData("jcb", "JCB card ending in 4242")]
    [InlineData("unionpay", "UnionPay card ending in 4242")]
    [InlineData("unknown", "card ending in 4242")]
    [InlineData(null, "card ending in 4242")]
    [InlineData("cartes_bancaires", "Cartes_Bancaires card ending in 4242")]
    public void Cards_read_as_customers_recognise_them(string? brand, string expected) =>
        Assert.Equal(expected, Wording.Card(brand, "4242"));

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("expired_card", "the card has expired")]
    [InlineData("card_declined", "the card was declined")]
    [InlineData("generic_decline", "the card was declined")]
    [InlineData("do_not_honor", "the card was declined")]
    [InlineData("insufficient_funds", "the card has insufficient funds")]
    [InlineData("incorrect_cvc", "the card's security code was wrong")]
    [InlineData("invalid_cvc", "the card's security code was wrong")]
    [InlineData("lost_card", "the card was reported lost or stolen")]
    [InlineData("stolen_card", "the card was reported lost or stolen")]
    [InlineData("authentication_required", "the bank asked for the card holder's authentication")]
    [InlineData("processing_error", "the card could not be processed")]
    [InlineData("try_again_later", "try again later")]
    public void Decline_codes_read_as_reasons(string? code, string? expected) =>
        Assert.Equal(expected, Wording.DeclineReason(code));

    [Fact]
    public void An_issued_invoice_names_the_account_the_period_the_amount_and_how_it_is_paid()
    {
        var issued = new InvoiceIssued(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042",
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 123450, "usd", null, null);

        var notice = WithPortal.InvoiceIssued(issued, "Globex Calls");

        Assert.Equal(NotificationType.InvoiceIssued, notice.Type);
        Assert.Equal("New invoice CIC-0042 for Globex Calls: 1,234.50 USD", notice.Title);
        Assert.Contains("from 1 November 2026 to 30 November 2026", notice.EmailText, StringComparison.Ordinal);
        Assert.Contains("charged to the default card on file", notice.Summary, StringComparison.Ordinal);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/invoices", notice.Link);

        var sent = WithoutPortal.InvoiceIssued(issued with { DueDate = new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero) }, "Globex Calls");
        Assert.Contains("Payment is due by 31 December 2026.", sent.Summary, StringComparison.Ordinal);
        Assert.Null(sent.Link);
        Assert.Contains("under Billing > Invoices", sent.EmailText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_past_due_invoice_says_what_is_owed_when_the_card_is_tried_again_and_what_to_do()
    {
        var pastDue = new InvoicePastDue(Guid.NewGuid(), At, AccountKind.Organization, Account, "in_1", "CIC-0042", 4000, "usd",
            new DateTimeOffset(2026, 12, 4, 6, 0, 0, TimeSpan.Zero), "https://invoice.stripe.test/i/1");

        var notice = WithPortal.InvoicePastDue(pastDue, "Initech Group");

        Assert.Equal("Invoice CIC-0042 for Initech Group is past due", notice.Title);
        Assert.Equal("40.00 USD is still owed. The card on file will be charged again on 4 December 2026. Pay the invoice or add a new card.", notice.Summary);
        Assert.Equal("https://invoice.stripe.test/i/1", notice.Link);
        Assert.Contains("- Pay the invoice now: https://invoice.stripe.test/i/1", notice.EmailText, StringComparison.Ordinal);
        Assert.Contains($"- Or add a new card, which the next attempt will use: https://portal.cic.test/app/billing/organizations/{Account}/payment-methods", notice.EmailText, StringComparison.Ordinal);

        var last = WithoutPortal.InvoicePastDue(pastDue with { NextPaymentAttempt = null, HostedInvoiceUrl = null }, "Initech Group");
        Assert.Contains("No further automatic payment attempt is scheduled.", last.Summary, StringComparison.Ordinal);
        Assert.Null(last.Link);
        Assert.Contains("in the CIC portal, under Billing > Payment methods > Add a card.", last.EmailText, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_card_says_whether_invoices_can_still_be_paid()
    {
        var expired = new PaymentMethodExpired(Guid.NewGuid(), At, AccountKind.Company, Account, "pm_1", "visa", "4242", 11, 2026, WasDefault: true);

        var notice = WithPortal.PaymentMethodExpired(expired, "Globex Calls");
        var spare = WithPortal.PaymentMethodExpired(expired with { WasDefault = false }, "Globex Calls");

        Assert.Equal("The Visa card ending in 4242 for Globex Calls has expired", notice.Title);
        Assert.Equal("It expired at the end of November 2026. Add a new card so invoices can be paid.", notice.Summary);
        Assert.Contains("the next invoice cannot be paid until a new card is added", notice.EmailText, StringComparison.Ordinal);
        Assert.Equal("It expired at the end of November 2026. Invoices are still charged to the default card.", spare.Summary);
        Assert.Contains("you may remove the expired one", spare.EmailText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retry_reads_as_paid_or_failed_with_the_reason()
    {
        var succeeded = WithPortal.PaymentRetrySucceeded(new PaymentRetrySucceeded(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042", 4000, "usd", 3), "Globex Calls");
        Assert.Equal("40.00 USD was paid after 3 attempts. Nothing more to do.", succeeded.Summary);
        var first = WithPortal.PaymentRetrySucceeded(new PaymentRetrySucceeded(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042", 4000, "usd", 1), "Globex Calls");
        Assert.Equal("40.00 USD was paid. Nothing more to do.", first.Summary);

        var failed = WithPortal.PaymentRetryFailed(new PaymentRetryFailed(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042", 4000, "usd", 2,
            new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), "insufficient_funds", null), "Globex Calls");
        Assert.Equal("Payment of invoice CIC-0042 for Globex Calls failed", failed.Title);
        Assert.Equal("40.00 USD is still owed (the card has insufficient funds). The card will be charged again on 8 December 2026. Add a new card or pay the invoice.", failed.Summary);
        Assert.Contains("failed: the card has insufficient funds.", failed.EmailText, StringComparison.Ordinal);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/payment-methods", failed.Link);
    }

    [Fact]
    public void Unusual_usage_says_which_hour_how_far_from_the_usual_and_what_it_may_mean()
    {
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        var spike = new UnusualUsageDetected(Guid.NewGuid(), At, Guid.NewGuid(), Account, start, start.AddHours(1), "spike", 12000, 800, 24);

        var notice = WithPortal.UnusualUsage(spike, "Globex Calls");
        var drop = WithoutPortal.UnusualUsage(spike with { Direction = "drop", CallCount = 3 }, "Globex Calls");

        Assert.Equal("Unusual usage for Globex Calls: a spike in calls", notice.Title);
        Assert.Equal("08:00–09:00 UTC on 24 November 2026: 12,000 calls, against a usual 800 per hour over the previous 24 hours.", notice.Summary);
        Assert.Contains("sending calls twice or in a loop", notice.EmailText, StringComparison.Ordinal);
        Assert.Equal("Unusual usage: a drop in calls for Globex Calls", drop.EmailSubject);
        Assert.Contains("far fewer calls than usual", drop.EmailText, StringComparison.Ordinal);
        Assert.Contains("calls may not be reaching CIC", drop.EmailText, StringComparison.Ordinal);
    }
}
