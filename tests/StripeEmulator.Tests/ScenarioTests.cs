using Stripe;
using Stripe.Billing;

namespace Cic.StripeEmulator.Tests;

/// <summary>The platform's billing flows, end to end through Stripe.net 53.1.0 over HTTP.</summary>
public sealed class ScenarioTests(EmulatorFixture fixture)
{
    private readonly StripeClient client = fixture.Client;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_card_added_through_a_SetupIntent_becomes_the_default_payment_method()
    {
        var setup = await BillingSetup.CreateAsync(client);

        var customer = await client.V1.Customers.GetAsync(setup.Customer.Id, new CustomerGetOptions { Expand = ["invoice_settings.default_payment_method"] }, cancellationToken: ct);

        Assert.Equal(setup.Card.Id, customer.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal("visa", customer.InvoiceSettings.DefaultPaymentMethod.Card.Brand);
        Assert.Equal("4242", customer.InvoiceSettings.DefaultPaymentMethod.Card.Last4);
        Assert.True(customer.InvoiceSettings.DefaultPaymentMethod.Card.ExpYear > BillingSetup.ClockStart.Year);
        var cards = await client.V1.Customers.PaymentMethods.ListAsync(customer.Id, new CustomerPaymentMethodListOptions { Type = "card" }, cancellationToken: ct);
        Assert.Equal(setup.Card.Id, Assert.Single(cards.Data).Id);
    }

    [Fact]
    public async Task A_month_end_produces_a_paid_invoice_for_usage_times_price()
    {
        var setup = await BillingSetup.CreateAsync(client, unitAmount: 3);
        await setup.ReportUsageAsync("company-1/2026-11-20T12/1", 25, BillingSetup.ClockStart);
        await setup.ReportUsageAsync("company-2/2026-11-20T12/1", 17, BillingSetup.ClockStart);

        // Past the period end and the one-hour finalization grace.
        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));

        var invoice = await setup.CycleInvoiceAsync();
        Assert.Equal("paid", invoice.Status);
        Assert.Equal(42 * 3, invoice.AmountDue);
        Assert.Equal(42 * 3, invoice.AmountPaid);
        Assert.Equal(0, invoice.AmountRemaining);
        Assert.Equal(1, invoice.AttemptCount);
        Assert.Null(invoice.NextPaymentAttempt);
        Assert.Equal(setup.Subscription.Id, invoice.Parent.SubscriptionDetails.SubscriptionId);
        var line = Assert.Single(invoice.Lines.Data);
        Assert.Equal(42, line.Quantity);
        Assert.Equal(BillingSetup.ClockStart, line.Period.Start);
        Assert.Equal(BillingSetup.NextMonth, line.Period.End);
        Assert.Equal(setup.Price.Id, line.Pricing.PriceDetails.PriceId);
        Assert.Equal(BillingSetup.NextMonth.AddHours(1), invoice.StatusTransitions.FinalizedAt);
    }

    [Fact]
    public async Task A_failing_card_leaves_the_invoice_past_due_with_retries_until_a_new_card_pays_it()
    {
        var setup = await BillingSetup.CreateAsync(client, card: "pm_card_chargeCustomerFail", unitAmount: 5);
        await setup.ReportUsageAsync("fail/1", 10, BillingSetup.ClockStart);

        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));
        var invoice = await setup.CycleInvoiceAsync();
        var firstFailure = BillingSetup.NextMonth.AddHours(1);
        Assert.Equal("open", invoice.Status);
        Assert.Equal(50, invoice.AmountRemaining);
        Assert.Equal(1, invoice.AttemptCount);
        Assert.Equal(firstFailure.AddDays(3), invoice.NextPaymentAttempt);
        var subscription = await client.V1.Subscriptions.GetAsync(setup.Subscription.Id, cancellationToken: ct);
        Assert.Equal("past_due", subscription.Status);
        Assert.True((await client.V1.Customers.GetAsync(setup.Customer.Id, cancellationToken: ct)).Delinquent);

        // The first automatic retry, three days later, fails too.
        await setup.AdvanceAsync(firstFailure.AddDays(3).AddMinutes(1));
        invoice = await client.V1.Invoices.GetAsync(invoice.Id, cancellationToken: ct);
        Assert.Equal(2, invoice.AttemptCount);
        Assert.Equal(firstFailure.AddDays(5), invoice.NextPaymentAttempt);

        // The customer adds a new default card; staff trigger a retry.
        await setup.AddDefaultCardAsync("pm_card_mastercard");
        invoice = await client.V1.Invoices.PayAsync(invoice.Id, new InvoicePayOptions { OffSession = true }, cancellationToken: ct);

        Assert.Equal("paid", invoice.Status);
        Assert.Equal(50, invoice.AmountPaid);
        Assert.Null(invoice.NextPaymentAttempt);
        Assert.Equal("active", (await client.V1.Subscriptions.GetAsync(setup.Subscription.Id, cancellationToken: ct)).Status);
        var failures = await Eventually.GetAsync(
            () => fixture.Webhooks.Deliveries.Count(d => d.EventType == "invoice.payment_failed" && d.Body.Contains(invoice.Id, StringComparison.Ordinal)) >= 2 ? "seen" : null,
            "two invoice.payment_failed webhooks");
        Assert.Equal("seen", failures);
    }

    [Fact]
    public async Task Paying_with_a_failing_card_answers_a_402_card_error()
    {
        var setup = await BillingSetup.CreateAsync(client, card: "pm_card_chargeCustomerFail");
        await setup.ReportUsageAsync("manual-pay/1", 10, BillingSetup.ClockStart);
        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));
        var invoice = await setup.CycleInvoiceAsync();

        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.Invoices.PayAsync(invoice.Id, cancellationToken: ct));

        Assert.Equal(System.Net.HttpStatusCode.PaymentRequired, error.HttpStatusCode);
        Assert.Equal("card_error", error.StripeError.Type);
        Assert.Equal("card_declined", error.StripeError.Code);
        Assert.Equal("generic_decline", error.StripeError.DeclineCode);
        // A manual attempt does not move the automatic retry schedule.
        Assert.Equal(1, (await client.V1.Invoices.GetAsync(invoice.Id, cancellationToken: ct)).AttemptCount);
    }

    [Fact]
    public async Task An_exhausted_retry_schedule_marks_the_invoice_uncollectible()
    {
        var setup = await BillingSetup.CreateAsync(client, card: "pm_card_chargeCustomerFail");
        await setup.ReportUsageAsync("exhaust/1", 10, BillingSetup.ClockStart);

        await setup.AdvanceAsync(BillingSetup.NextMonth.AddDays(10));

        var invoice = await setup.CycleInvoiceAsync();
        Assert.Equal("uncollectible", invoice.Status);
        Assert.Equal("max_payment_attempts", invoice.StatusDetails.Uncollectible.Reason);
        Assert.Equal(4, invoice.AttemptCount);
        Assert.Equal("unpaid", (await client.V1.Subscriptions.GetAsync(setup.Subscription.Id, cancellationToken: ct)).Status);
    }

    [Fact]
    public async Task A_duplicate_meter_event_identifier_is_counted_once()
    {
        var setup = await BillingSetup.CreateAsync(client);
        await setup.ReportUsageAsync("company-9/window-1/rev-1", 7, BillingSetup.ClockStart);

        var duplicate = await Assert.ThrowsAsync<StripeException>(() => setup.ReportUsageAsync("company-9/window-1/rev-1", 7, BillingSetup.ClockStart));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, duplicate.HttpStatusCode);
        Assert.Contains("An event already exists with identifier", duplicate.StripeError.Message, StringComparison.Ordinal);
        Assert.Equal("false", duplicate.StripeResponse.Headers.GetValues("Stripe-Should-Retry").Single());
        var summaries = await client.V1.Billing.Meters.EventSummaries.ListAsync(setup.Meter.Id, new MeterEventSummaryListOptions
        {
            Customer = setup.Customer.Id,
            StartTime = BillingSetup.ClockStart.AddHours(-1),
            EndTime = BillingSetup.NextMonth,
        }, cancellationToken: ct);
        Assert.Equal(7m, Assert.Single(summaries.Data).AggregatedValue);
    }

    [Fact]
    public async Task A_rate_change_in_the_dashboard_applies_to_the_next_invoice()
    {
        var setup = await BillingSetup.CreateAsync(client, unitAmount: 3);
        await setup.ReportUsageAsync("rate/1", 10, BillingSetup.ClockStart);

        await fixture.Stripe.ControlAsync($"/_emulator/prices/{setup.Price.Id}/change", [new("unit_amount", "4")], ct);
        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));

        var invoice = await setup.CycleInvoiceAsync();
        Assert.Equal(40, invoice.AmountPaid);
        var byLookupKey = await client.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [setup.Price.LookupKey] }, cancellationToken: ct);
        Assert.Equal(4, Assert.Single(byLookupKey.Data).UnitAmount);
    }

    [Fact]
    public async Task The_invoice_preview_bills_the_usage_so_far_at_the_rate_the_cycle_invoice_then_charges()
    {
        var setup = await BillingSetup.CreateAsync(client, unitAmount: 3);
        await setup.ReportUsageAsync("preview/1", 10, BillingSetup.ClockStart);

        var before = await client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Subscription = setup.Subscription.Id }, cancellationToken: ct);
        Assert.StartsWith("upcoming_in_", before.Id, StringComparison.Ordinal);
        Assert.Equal("upcoming", before.BillingReason);
        Assert.Equal(30, before.AmountDue);
        Assert.Equal(10, Assert.Single(before.Lines.Data).Quantity);
        Assert.Equal(BillingSetup.NextMonth, before.PeriodEnd);

        // Finance raises the customer's rate in the dashboard mid-cycle; more calls follow.
        await fixture.Stripe.ControlAsync($"/_emulator/prices/{setup.Price.Id}/change", [new("unit_amount", "5"), new("customer", setup.Customer.Id)], ct);
        await setup.AdvanceAsync(BillingSetup.ClockStart.AddDays(3));
        await setup.ReportUsageAsync("preview/2", 4, BillingSetup.ClockStart.AddDays(3));
        var after = await client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Customer = setup.Customer.Id }, cancellationToken: ct);
        Assert.Equal(14 * 5, after.AmountDue);

        // A preview is not an invoice: it is neither listed nor stored.
        var listed = await client.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = setup.Customer.Id }, cancellationToken: ct);
        Assert.DoesNotContain(listed.Data, i => i.Id == after.Id);
        await Assert.ThrowsAsync<StripeException>(() => client.V1.Invoices.GetAsync(after.Id, cancellationToken: ct));

        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));
        var invoice = await setup.CycleInvoiceAsync();
        Assert.Equal(after.Total, invoice.Total);
        Assert.Equal(after.AmountDue, invoice.AmountPaid);
    }

    [Fact]
    public async Task An_invoice_preview_needs_a_live_subscription()
    {
        var setup = await BillingSetup.CreateAsync(client);
        await client.V1.Subscriptions.CancelAsync(setup.Subscription.Id, cancellationToken: ct);

        var none = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Customer = setup.Customer.Id }, cancellationToken: ct));
        Assert.Equal("invoice_upcoming_none", none.StripeError.Code);
        var nothing = await Assert.ThrowsAsync<StripeException>(() =>
            client.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions(), cancellationToken: ct));
        Assert.Equal("customer", nothing.StripeError.Param);
    }

    [Fact]
    public async Task A_refund_from_the_dashboard_shows_on_the_invoice_as_a_credit_note()
    {
        var setup = await BillingSetup.CreateAsync(client, unitAmount: 10);
        await setup.ReportUsageAsync("refund/1", 10, BillingSetup.ClockStart);
        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));
        var invoice = await setup.CycleInvoiceAsync();

        await fixture.Stripe.ControlAsync($"/_emulator/invoices/{invoice.Id}/refund", [new("amount", "30")], ct);

        invoice = await client.V1.Invoices.GetAsync(invoice.Id, new InvoiceGetOptions { Expand = ["payments"] }, cancellationToken: ct);
        Assert.Equal(30, invoice.PostPaymentCreditNotesAmount);
        var note = Assert.Single((await client.V1.CreditNotes.ListAsync(new CreditNoteListOptions { Invoice = invoice.Id }, cancellationToken: ct)).Data);
        Assert.Equal(30, note.Amount);
        Assert.Equal("post_payment", note.Type);
        var intent = await client.V1.PaymentIntents.GetAsync(Assert.Single(invoice.Payments.Data).Payment.PaymentIntentId, cancellationToken: ct);
        var charge = await client.V1.Charges.GetAsync(intent.LatestChargeId, cancellationToken: ct);
        Assert.Equal(30, charge.AmountRefunded);
    }

    [Fact]
    public async Task An_expired_card_declines_with_expired_card_and_the_updater_fixes_it()
    {
        var setup = await BillingSetup.CreateAsync(client);
        await setup.ReportUsageAsync("expired/1", 10, BillingSetup.ClockStart);
        await fixture.Stripe.ControlAsync($"/_emulator/payment_methods/{setup.Card.Id}/expire", cancellationToken: ct);

        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(2));
        var invoice = await setup.CycleInvoiceAsync();
        Assert.Equal("open", invoice.Status);
        var intent = await client.V1.PaymentIntents.GetAsync(invoice.Payments?.Data.FirstOrDefault()?.Payment.PaymentIntentId ?? (await client.V1.Invoices.GetAsync(invoice.Id, new InvoiceGetOptions { Expand = ["payments"] }, cancellationToken: ct)).Payments.Data[0].Payment.PaymentIntentId, cancellationToken: ct);
        Assert.Equal("expired_card", intent.LastPaymentError.Code);

        await fixture.Stripe.ControlAsync($"/_emulator/payment_methods/{setup.Card.Id}/automatic_update", [new("exp_month", "12"), new("exp_year", "2031")], ct);
        await setup.AdvanceAsync(BillingSetup.NextMonth.AddHours(1).AddDays(3).AddMinutes(1));

        Assert.Equal("paid", (await client.V1.Invoices.GetAsync(invoice.Id, cancellationToken: ct)).Status);
        await Eventually.GetAsync(
            () => fixture.Webhooks.Deliveries.FirstOrDefault(d => d.EventType == "payment_method.automatically_updated" && d.Body.Contains(setup.Card.Id, StringComparison.Ordinal)),
            "payment_method.automatically_updated");
    }
}
