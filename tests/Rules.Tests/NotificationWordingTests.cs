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
    [InlineData(1500, "usd ", "15.00 USD")]
    [InlineData(1500, null, "15.00")]
    [InlineData(1500, "", "15.00")]
    public void Amounts_read_in_whole_units_with_the_currency(long minor, string? currency, string expected) =>
        Assert.Equal(expected, Wording.Money(minor, currency));

    [Theory]
    [InlineData("bif")]
    [InlineData("clp")]
    [InlineData("djf")]
    [InlineData("gnf")]
    [InlineData("jpy")]
    [InlineData("kmf")]
    [InlineData("krw")]
    [InlineData("mga")]
    [InlineData("pyg")]
    [InlineData("rwf")]
    [InlineData("ugx")]
    [InlineData("vnd")]
    [InlineData("vuv")]
    [InlineData("xaf")]
    [InlineData("xof")]
    [InlineData("xpf")]
    public void Stripes_zero_decimal_currencies_are_already_in_whole_units(string currency) =>
        Assert.Equal($"12,345 {currency.ToUpperInvariant()}", Wording.Money(12345, currency));

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

        Assert.Equal((NotificationType.InvoiceIssued, AccountKind.Company, Account, "Globex Calls", issued.EventId, At), (notice.Type, notice.AccountKind, notice.AccountId, notice.AccountName, notice.EventId, notice.OccurredAt));
        Assert.Equal("New invoice CIC-0042 for Globex Calls: 1,234.50 USD", notice.Title);
        Assert.Equal("Invoice CIC-0042 for calls from 1 November 2026 to 30 November 2026 is 1,234.50 USD. It will be charged to the default card on file; there is nothing to do if that card is valid.", notice.Summary);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/invoices", notice.Link);
        Assert.Equal("New invoice CIC-0042 for Globex Calls: 1,234.50 USD", notice.EmailSubject);
        Assert.Equal(Lines(
            "A new invoice, CIC-0042, was issued to Globex Calls for the calls CIC handled from 1 November 2026 to 30 November 2026.",
            "",
            "Amount due: 1,234.50 USD",
            "It will be charged to the default card on file; there is nothing to do if that card is valid.",
            "",
            $"See or pay the invoice: https://portal.cic.test/app/billing/companies/{Account}/invoices"), notice.EmailText);

        var due = WithoutPortal.InvoiceIssued(issued with { DueDate = new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero) }, "Globex Calls");
        Assert.Equal("Invoice CIC-0042 for calls from 1 November 2026 to 30 November 2026 is 1,234.50 USD. Payment is due by 31 December 2026.", due.Summary);
        Assert.Null(due.Link);
        Assert.EndsWith(Lines("Payment is due by 31 December 2026.", "", "You can see the invoice in the CIC portal, under Billing > Invoices."), due.EmailText, StringComparison.Ordinal);
        Assert.Equal("https://invoice.stripe.test/i/9", WithoutPortal.InvoiceIssued(issued with { HostedInvoiceUrl = "https://invoice.stripe.test/i/9" }, "Globex Calls").Link);
    }

    [Fact]
    public void A_past_due_invoice_says_what_is_owed_when_the_card_is_tried_again_and_what_to_do()
    {
        var pastDue = new InvoicePastDue(Guid.NewGuid(), At, AccountKind.Organization, Account, "in_1", "CIC-0042", 4000, "usd",
            new DateTimeOffset(2026, 12, 4, 6, 0, 0, TimeSpan.Zero), "https://invoice.stripe.test/i/1");

        var notice = WithPortal.InvoicePastDue(pastDue, "Initech Group");

        Assert.Equal((NotificationType.InvoicePastDue, AccountKind.Organization, Account), (notice.Type, notice.AccountKind, notice.AccountId));
        Assert.Equal("Invoice CIC-0042 for Initech Group is past due", notice.Title);
        Assert.Equal("40.00 USD is still owed. The card on file will be charged again on 4 December 2026. Pay the invoice or add a new card.", notice.Summary);
        Assert.Equal("https://invoice.stripe.test/i/1", notice.Link);
        Assert.Equal("Past due: invoice CIC-0042 for Initech Group (40.00 USD)", notice.EmailSubject);
        Assert.Equal(Lines(
            "Invoice CIC-0042 for Initech Group is past due: 40.00 USD is still owed.",
            "The card on file will be charged again on 4 December 2026.",
            "",
            "What to do next:",
            "- Pay the invoice now: https://invoice.stripe.test/i/1",
            $"- Or add a new card, which the next attempt will use: https://portal.cic.test/app/billing/organizations/{Account}/payment-methods"), notice.EmailText);

        var last = WithoutPortal.InvoicePastDue(pastDue with { NextPaymentAttempt = null, HostedInvoiceUrl = null }, "Initech Group");
        Assert.Equal("40.00 USD is still owed. No further automatic payment attempt is scheduled. Pay the invoice or add a new card.", last.Summary);
        Assert.Null(last.Link);
        Assert.EndsWith(Lines(
            "No further automatic payment attempt is scheduled.",
            "",
            "What to do next:",
            "- Pay the invoice in the CIC portal, under Billing > Invoices.",
            "- Or add a new card, which the next attempt will use: in the CIC portal, under Billing > Payment methods > Add a card."), last.EmailText, StringComparison.Ordinal);
        Assert.Equal($"https://portal.cic.test/app/billing/organizations/{Account}/payment-methods", WithPortal.InvoicePastDue(pastDue with { HostedInvoiceUrl = null }, "Initech Group").Link);
    }

    [Fact]
    public void An_expired_card_says_whether_invoices_can_still_be_paid()
    {
        var expired = new PaymentMethodExpired(Guid.NewGuid(), At, AccountKind.Company, Account, "pm_1", "visa", "4242", 11, 2026, WasDefault: true);

        var notice = WithPortal.PaymentMethodExpired(expired, "Globex Calls");
        var spare = WithoutPortal.PaymentMethodExpired(expired with { WasDefault = false }, "Globex Calls");

        Assert.Equal(NotificationType.PaymentMethodExpired, notice.Type);
        Assert.Equal("The Visa card ending in 4242 for Globex Calls has expired", notice.Title);
        Assert.Equal("It expired at the end of November 2026. Add a new card so invoices can be paid.", notice.Summary);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/payment-methods", notice.Link);
        Assert.Equal("Card expired: the Visa card ending in 4242 for Globex Calls", notice.EmailSubject);
        Assert.Equal(Lines(
            "The Visa card ending in 4242 on file for Globex Calls expired at the end of November 2026.",
            "It was the card invoices are charged to, so the next invoice cannot be paid until a new card is added.",
            "",
            $"What to do next: add a new card: https://portal.cic.test/app/billing/companies/{Account}/payment-methods"), notice.EmailText);
        Assert.Equal("It expired at the end of November 2026. Invoices are still charged to the default card.", spare.Summary);
        Assert.Null(spare.Link);
        Assert.Equal(Lines(
            "The Visa card ending in 4242 on file for Globex Calls expired at the end of November 2026.",
            "It was not the default card, so invoices are still charged to the default card; you may remove the expired one.",
            "",
            "What to do next: add a new card: in the CIC portal, under Billing > Payment methods > Add a card."), spare.EmailText);
    }

    [Fact]
    public void A_successful_retry_says_the_invoice_is_settled()
    {
        var paid = new PaymentRetrySucceeded(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042", 4000, "usd", 3);

        var notice = WithPortal.PaymentRetrySucceeded(paid, "Globex Calls");

        Assert.Equal(NotificationType.PaymentRetrySucceeded, notice.Type);
        Assert.Equal("Invoice CIC-0042 for Globex Calls is paid", notice.Title);
        Assert.Equal("40.00 USD was paid after 3 attempts. Nothing more to do.", notice.Summary);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/invoices", notice.Link);
        Assert.Equal("Payment received: invoice CIC-0042 for Globex Calls (40.00 USD)", notice.EmailSubject);
        Assert.Equal(Lines(
            "The payment of invoice CIC-0042 for Globex Calls succeeded after 3 attempts: 40.00 USD was paid.",
            "",
            "There is nothing more to do; the invoice is settled."), notice.EmailText);
        Assert.Equal("40.00 USD was paid. Nothing more to do.", WithPortal.PaymentRetrySucceeded(paid with { AttemptCount = 1 }, "Globex Calls").Summary);
    }

    [Fact]
    public void A_failed_retry_says_why_what_is_owed_and_what_to_do()
    {
        var failed = new PaymentRetryFailed(Guid.NewGuid(), At, AccountKind.Company, Account, "in_1", "CIC-0042", 4000, "usd", 2,
            new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), "insufficient_funds", null);

        var notice = WithPortal.PaymentRetryFailed(failed, "Globex Calls");

        Assert.Equal(NotificationType.PaymentRetryFailed, notice.Type);
        Assert.Equal("Payment of invoice CIC-0042 for Globex Calls failed", notice.Title);
        Assert.Equal("40.00 USD is still owed (the card has insufficient funds). The card will be charged again on 8 December 2026. Add a new card or pay the invoice.", notice.Summary);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/payment-methods", notice.Link);
        Assert.Equal("Payment failed: invoice CIC-0042 for Globex Calls (40.00 USD)", notice.EmailSubject);
        Assert.Equal(Lines(
            "Another attempt to pay invoice CIC-0042 for Globex Calls failed: the card has insufficient funds.",
            "40.00 USD is still owed. The card will be charged again on 8 December 2026.",
            "",
            "What to do next:",
            $"- Add a new card, which the next attempt will use: https://portal.cic.test/app/billing/companies/{Account}/payment-methods",
            "- Or pay the invoice in the CIC portal, under Billing > Invoices."), notice.EmailText);

        var last = WithoutPortal.PaymentRetryFailed(failed with { NextPaymentAttempt = null, FailureReason = null, HostedInvoiceUrl = "https://invoice.stripe.test/i/1" }, "Globex Calls");
        Assert.Equal("40.00 USD is still owed. No further automatic payment attempt is scheduled. Add a new card or pay the invoice.", last.Summary);
        Assert.Equal("https://invoice.stripe.test/i/1", last.Link);
        Assert.Equal(Lines(
            "Another attempt to pay invoice CIC-0042 for Globex Calls failed.",
            "40.00 USD is still owed. No further automatic payment attempt is scheduled.",
            "",
            "What to do next:",
            "- Add a new card, which the next attempt will use: in the CIC portal, under Billing > Payment methods > Add a card.",
            "- Or pay the invoice now: https://invoice.stripe.test/i/1"), last.EmailText);
    }

    [Fact]
    public void Unusual_usage_says_which_hour_how_far_from_the_usual_and_what_it_may_mean()
    {
        var start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        var spike = new UnusualUsageDetected(Guid.NewGuid(), At, Guid.NewGuid(), Account, start, start.AddHours(1), "spike", 12000, 800, 24);

        var notice = WithPortal.UnusualUsage(spike, "Globex Calls");
        var drop = WithoutPortal.UnusualUsage(spike with { Direction = "drop", CallCount = 3 }, "Globex Calls");

        Assert.Equal((NotificationType.UnusualUsage, AccountKind.Company, Account), (notice.Type, notice.AccountKind, notice.AccountId));
        Assert.Equal("Unusual usage for Globex Calls: a spike in calls", notice.Title);
        Assert.Equal("08:00–09:00 UTC on 24 November 2026: 12,000 calls, against a usual 800 per hour over the previous 24 hours.", notice.Summary);
        Assert.Equal($"https://portal.cic.test/app/billing/companies/{Account}/usage", notice.Link);
        Assert.Equal("Unusual usage: a spike in calls for Globex Calls", notice.EmailSubject);
        Assert.Equal(Lines(
            "CIC handled far more calls than usual for Globex Calls between 08:00–09:00 UTC on 24 November 2026: 12,000 calls, against a usual 800 per hour over the previous 24 hours.",
            "If this is not expected, something upstream may be sending calls twice or in a loop; every call handled is billed.",
            "",
            $"See the usage: https://portal.cic.test/app/billing/companies/{Account}/usage"), notice.EmailText);

        Assert.Equal("Unusual usage for Globex Calls: a drop in calls", drop.Title);
        Assert.Equal("Unusual usage: a drop in calls for Globex Calls", drop.EmailSubject);
        Assert.Null(drop.Link);
        Assert.Equal(Lines(
            "CIC handled far fewer calls than usual for Globex Calls between 08:00–09:00 UTC on 24 November 2026: 3 calls, against a usual 800 per hour over the previous 24 hours.",
            "If this is not expected, calls may not be reaching CIC; check the systems that handle them.",
            "",
            "You can see the usage in the CIC portal, under Usage."), drop.EmailText);
    }

    [Fact]
    public void A_portal_address_with_or_without_a_trailing_slash_gives_the_same_links()
    {
        var slash = new BillingNotices(Options.Create(new PortalOptions { BaseUrl = new Uri("https://portal.cic.test/app/") }));
        var expired = new PaymentMethodExpired(Guid.NewGuid(), At, AccountKind.Company, Account, "pm_1", "visa", "4242", 11, 2026, true);
        Assert.Equal(WithPortal.PaymentMethodExpired(expired, "Globex Calls").Link, slash.PaymentMethodExpired(expired, "Globex Calls").Link);
    }

    /// <summary>An email's text: each line ended as the templates end them.</summary>
    private static string Lines(params string[] lines) => string.Concat(lines.Select(line => line + Environment.NewLine));
}
