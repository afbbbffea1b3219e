using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cic.Billing.Invoices;
using Cic.Billing.Readiness;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Contracts.Billing;
using Cic.Testing;
using Stripe;

namespace Cic.Billing.Tests;

/// <summary>
/// The seed's "When billing is failing" and "Refunds and credits": invoices pulled back from Stripe, flagged
/// past due, retried, and announced to Notifications exactly once however Stripe's webhooks arrive.
/// </summary>
public sealed class InvoiceTests(InvoiceFixture billing) : IClassFixture<InvoiceFixture>
{
    private const long Cents = BillingFixture.UnitAmount;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_billing_is_failing_staff_add_a_card_on_the_customers_behalf_and_a_retry_pays_the_invoice()
    {
        var company = await billing.CompanyAsync("Failing Freight");
        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner)));
        var declining = await billing.AddCardAsync(owner, company, "pm_card_chargeCustomerFail");
        await MakeDefaultAsync(owner, company, declining.Id);
        var (customer, start) = await SubscribeAsync(company);
        await billing.ReportUsageAsync(customer, 1_500, start);
        // The usage push (built separately) records what it sent in this ledger; written here as it would.
        await billing.LedgerAsync(company, company, customer, start, 1_500);
        var mark = await billing.Database.MarkAsync();
        var stripeMark = await billing.LatestStripeEventAsync();

        // The month ends, Stripe finalizes the invoice after its grace hour and the card declines.
        await billing.RunPastCycleEndAsync();

        // "Past-due invoices appear flagged in the Invoices list."
        var flagged = await Eventually.Returns(
            () => PageAsync(billing.Staff, $"/invoices?pastDue=true&accountId={company}"), p => p.Items.Count == 1, "the invoice to be listed past due");
        var invoice = flagged.Items[0];
        Assert.True(invoice.PastDue);
        Assert.Equal(("open", 1_500 * Cents, 1_500 * Cents, 1), (invoice.Status, invoice.AmountDue, invoice.AmountRemaining, invoice.AttemptCount));
        Assert.Equal(("Failing Freight", AccountKind.Company), (invoice.AccountName, invoice.AccountKind));
        Assert.Equal("generic_decline", invoice.LastPaymentError);
        Assert.NotNull(invoice.NextPaymentAttempt);
        Assert.NotNull(invoice.Number);
        Assert.Equal([invoice.Id], (await PageAsync(owner, $"/billing-accounts/{company}/invoices?pastDue=true")).Items.Select(i => i.Id));

        // "The portal also surfaces them via notification": what Notifications is told, once each.
        await billing.SettledAsync(stripeMark);
        var events = await billing.InvoiceEventsAsync(mark, invoice.Id);
        Assert.Equal(["InvoiceIssued", "InvoicePastDue"], events.Select(e => e.Name));
        var issued = events[0].As<InvoiceIssued>();
        Assert.Equal((AccountKind.Company, company, invoice.Number, 1_500 * Cents, "usd"), (issued.BillingAccountKind, issued.BillingAccountId, issued.InvoiceNumber, issued.AmountDue, issued.Currency));
        Assert.Equal((invoice.PeriodStart, invoice.PeriodEnd), (issued.PeriodStart, issued.PeriodEnd));
        var pastDue = events[1].As<InvoicePastDue>();
        Assert.Equal((1_500 * Cents, invoice.NextPaymentAttempt, invoice.HostedInvoiceUrl), (pastDue.AmountRemaining, pastDue.NextPaymentAttempt, pastDue.HostedInvoiceUrl));

        // "Add it on their behalf": staff add a fresh card and make it the default; then "trigger a retry".
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var fresh = await billing.AddCardAsync(billing.Staff, company, "pm_card_mastercard");
        await MakeDefaultAsync(billing.Staff, company, fresh.Id);
        mark = await billing.Database.MarkAsync();
        stripeMark = await billing.LatestStripeEventAsync();
        var retried = await RetryAsync(billing.Staff, invoice.Id);

        Assert.Equal(("succeeded", "staff-sam", true, fresh.Id), (retried.Retry.Outcome, retried.Retry.RequestedBy, retried.Retry.RequestedByStaff, retried.Retry.PaymentMethodId));
        Assert.Equal(("paid", false, 1_500 * Cents, 0L), (retried.Invoice.Status, retried.Invoice.PastDue, retried.Invoice.AmountPaid, retried.Invoice.AmountRemaining));
        Assert.Empty((await PageAsync(billing.Staff, $"/invoices?pastDue=true&accountId={company}")).Items);

        await billing.SettledAsync(stripeMark);
        events = await billing.InvoiceEventsAsync(mark, invoice.Id);
        Assert.Equal(["InvoicePaid", "PaymentRetrySucceeded"], events.Select(e => e.Name));
        Assert.Equal(1_500 * Cents, events[0].As<InvoicePaid>().AmountPaid);
        var succeeded = events[1].As<PaymentRetrySucceeded>();
        Assert.Equal((company, 1_500 * Cents, 2), (succeeded.BillingAccountId, succeeded.AmountPaid, succeeded.AttemptCount));

        // The invoice's page, as the customer sees it: the line, the retry on file, the usage behind it.
        var detail = await DetailAsync(owner, invoice.Id);
        Assert.Equal(("paid", "subscription_cycle", "generic_decline"), (detail.Status, detail.BillingReason, detail.LastPaymentError));
        var line = Assert.Single(detail.Lines);
        Assert.Equal((1_500L, 1_500 * Cents), (line.Quantity, line.Amount));
        Assert.Equal([("succeeded", "staff-sam", true)], detail.Retries.Select(r => (r.Outcome, r.RequestedBy, r.RequestedByStaff)));
        Assert.Equal([new CompanyUsage(company, "Failing Freight", 1_500)], detail.UsageByCompany);
        var actions = await owner.GetFromJsonAsync<List<AccountActionResponse>>($"/billing-accounts/{company}/actions", Ct);
        Assert.Equal(("payment_retried", invoice.Id, "staff-sam", true), (actions![0].Action, actions[0].Subject, actions[0].Actor, actions[0].ActorIsStaff));

        // A paid invoice is not charged again.
        var again = await billing.Staff.PostAsync($"/invoices/{invoice.Id}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Single((await DetailAsync(owner, invoice.Id)).Retries);
    }

    [Fact]
    public async Task A_customer_sees_the_invoices_of_all_their_accounts_in_one_paged_list()
    {
        var organization = await billing.OrganizationAsync("Tailspin Group");
        // Its company is billed through it: the organization's invoice covers it.
        await billing.CompanyInAsync(organization, "Tailspin Air");
        var alone = await billing.CompanyAsync("Tailspin Toys");
        var other = await billing.CompanyAsync("Someone Else's");
        var user = await billing.MemberAsync(AccountKind.Organization, organization, MemberRole.Billing);
        await billing.PublishAsync(new MemberAdded(Guid.NewGuid(), DateTimeOffset.UtcNow, AccountKind.Company, alone, user, $"{user}@example.test", user, MemberRole.Member));
        await billing.WaitForAsync($"SELECT count(*) FROM members WHERE account_id = '{alone}' AND user_id = '{user}' AND is_member", "the user to be a member of the company");
        var customers = new Dictionary<Guid, string>();
        foreach (var account in new[] { organization, alone, other })
        {
            var (customer, start) = await SubscribeAsync(account);
            customers[account] = customer;
            await billing.ReportUsageAsync(customer, 100, start);
        }

        await billing.RunPastCycleEndAsync();

        // Every invoice Stripe finalized for the user's two accounts (each has its opening and its cycle invoice),
        // waited for as a whole: the webhooks of one may come after the other's.
        var inStripe = 0;
        foreach (var account in new[] { organization, alone })
        {
            var invoices = await billing.StripeClient.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customers[account] }, cancellationToken: Ct);
            inStripe += invoices.Data.Count(i => i.Status != "draft");
        }

        var portal = billing.Client(TestTokens.Customer(user));
        var mine = await Eventually.Returns(() => PageAsync(portal, "/me/invoices?pageSize=100"), p => p.Total == inStripe, $"the user's {inStripe} invoices");
        Assert.Equal(2, mine.Items.Count(i => i.Total > 0));
        Assert.Equal(new[] { organization, alone }.Order(), mine.Items.Select(i => i.AccountId).Distinct().Order());
        Assert.Contains(mine.Items, i => i.AccountId == organization && i.AccountName == "Tailspin Group" && i.AccountKind == AccountKind.Organization);
        Assert.DoesNotContain(mine.Items, i => i.AccountId == other || i.Status == "draft");
        var firstPage = await PageAsync(portal, "/me/invoices?pageSize=1");
        Assert.Equal((1, mine.Total), (firstPage.Items.Count, firstPage.Total));
        Assert.Empty((await PageAsync(billing.Client(TestTokens.Customer("nobody-at-all")), "/me/invoices")).Items);
    }

    [Fact]
    public async Task A_retry_with_a_declined_card_is_an_ordinary_failed_outcome_and_is_announced()
    {
        var company = await billing.CompanyAsync("Declined Dairy");
        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Billing)));
        var member = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Member)));
        var stranger = billing.Client(TestTokens.Customer("someone-else"));
        var declining = await billing.AddCardAsync(owner, company, "pm_card_chargeCustomerFail");
        await MakeDefaultAsync(owner, company, declining.Id);
        var backup = await billing.AddCardAsync(owner, company, "pm_card_amex");
        // The backup card's issuer will decline it too, for lack of funds.
        await billing.ControlAsync($"/_emulator/payment_methods/{backup.Id}/decline", ("decline_code", "insufficient_funds"), ("message", "Your card has insufficient funds."));
        var (customer, start) = await SubscribeAsync(company);
        await billing.ReportUsageAsync(customer, 500, start);
        await billing.RunPastCycleEndAsync();
        var invoice = (await Eventually.Returns(
            () => PageAsync(owner, $"/billing-accounts/{company}/invoices?pastDue=true"), p => p.Items.Count == 1, "the invoice to be past due")).Items[0];
        await billing.SettledAsync(await billing.LatestStripeEventAsync());
        var mark = await billing.Database.MarkAsync();

        // Who may retry, and with what: nothing is recorded for a refused request.
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsync($"/invoices/{invoice.Id}/retry", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/invoices/{invoice.Id}/retry", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/invoices/{invoice.Id}", Ct)).StatusCode);
        var notOurs = await owner.PostAsJsonAsync($"/invoices/{invoice.Id}/retry", new RetryPaymentRequest("pm_card_visa"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, notOurs.StatusCode);
        var problem = await notOurs.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty("paymentMethodId", out _), problem.ToString());
        var nul = await owner.PostAsJsonAsync($"/invoices/{invoice.Id}/retry", new RetryPaymentRequest(backup.Id + "\u0000"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.True((await nul.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("paymentMethodId", out _));
        Assert.Empty((await DetailAsync(owner, invoice.Id)).Retries);

        // The customer retries with the backup card: declined, which is an answer, not an error.
        var retried = await RetryAsync(owner, invoice.Id, backup.Id);
        Assert.Equal(("failed", "insufficient_funds", backup.Id, false), (retried.Retry.Outcome, retried.Retry.FailureCode, retried.Retry.PaymentMethodId, retried.Retry.RequestedByStaff));
        Assert.Equal("Your card has insufficient funds.", retried.Retry.FailureMessage);
        Assert.Equal(("open", true, "insufficient_funds"), (retried.Invoice.Status, retried.Invoice.PastDue, retried.Invoice.LastPaymentError));

        await billing.SettledAsync(await billing.LatestStripeEventAsync());
        var failed = Assert.Single(await billing.InvoiceEventsAsync(mark, invoice.Id));
        Assert.Equal("PaymentRetryFailed", failed.Name);
        var e = failed.As<PaymentRetryFailed>();
        Assert.Equal((company, 500 * Cents, 2, "insufficient_funds"), (e.BillingAccountId, e.AmountRemaining, e.AttemptCount, e.FailureReason));
        Assert.Equal(invoice.NextPaymentAttempt, e.NextPaymentAttempt);
        // Stripe's automatic retries are untouched: the next one is still scheduled.
        Assert.Equal(invoice.NextPaymentAttempt, (await DetailAsync(owner, invoice.Id)).NextPaymentAttempt);
    }

    [Fact]
    public async Task Webhooks_delivered_twice_and_newest_first_end_in_the_same_invoice_and_one_event_each()
    {
        var company = await billing.CompanyAsync("Echo Electric");
        await billing.AuthorizeStaffAsync(AccountKind.Company, company);
        var declining = await billing.AddCardAsync(billing.Staff, company, "pm_card_chargeCustomerFail");
        await MakeDefaultAsync(billing.Staff, company, declining.Id);
        var good = await billing.AddCardAsync(billing.Staff, company, "pm_card_visa");
        var (customer, start) = await SubscribeAsync(company);
        await billing.ReportUsageAsync(customer, 250, start);
        var stripeMark = await billing.LatestStripeEventAsync();
        await billing.SettledAsync(stripeMark);
        var mark = await billing.Database.MarkAsync();

        // Everything the month end produces reaches Billing twice, newest first.
        await ScrambledAsync(billing.RunPastCycleEndAsync);
        await billing.SettledAsync(stripeMark, copies: 2);

        var invoice = Assert.Single((await PageAsync(billing.Staff, $"/invoices?pastDue=true&accountId={company}")).Items);
        var stripeInvoice = await billing.StripeClient.V1.Invoices.GetAsync(invoice.Id, cancellationToken: Ct);
        Assert.Equal(
            (stripeInvoice.Status, stripeInvoice.Number, stripeInvoice.AmountRemaining, (int)stripeInvoice.AttemptCount, (DateTimeOffset?)Utc(stripeInvoice.NextPaymentAttempt!.Value)),
            (invoice.Status, invoice.Number, invoice.AmountRemaining, invoice.AttemptCount, invoice.NextPaymentAttempt));
        Assert.Equal(["InvoiceIssued", "InvoicePastDue"], (await billing.InvoiceEventsAsync(mark, invoice.Id)).Select(e => e.Name));

        // The customer pays on Stripe's hosted invoice page with the other card; again every webhook twice, newest first.
        stripeMark = await billing.LatestStripeEventAsync();
        mark = await billing.Database.MarkAsync();
        await ScrambledAsync(() => billing.StripeClient.V1.Invoices.PayAsync(invoice.Id, new InvoicePayOptions { PaymentMethod = good.Id }, cancellationToken: Ct));
        await billing.SettledAsync(stripeMark, copies: 2);

        var paid = await DetailAsync(billing.Staff, invoice.Id);
        Assert.Equal(("paid", 250 * Cents, 0L, false), (paid.Status, paid.AmountPaid, paid.AmountRemaining, paid.PastDue));
        Assert.Equal(["InvoicePaid", "PaymentRetrySucceeded"], (await billing.InvoiceEventsAsync(mark, invoice.Id)).Select(e => e.Name));
    }

    [Fact]
    public async Task Missed_webhooks_and_a_refund_made_in_Stripe_show_after_the_next_sync()
    {
        var company = await billing.CompanyAsync("Quiet Quarry");
        var owner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, company, MemberRole.Owner)));
        var card = await billing.AddCardAsync(owner, company, "pm_card_visa");
        await MakeDefaultAsync(owner, company, card.Id);
        var (customer, start) = await SubscribeAsync(company);
        await billing.ReportUsageAsync(customer, 1_000, start);
        await billing.SettledAsync(await billing.LatestStripeEventAsync());
        var mark = await billing.Database.MarkAsync();

        // The month end happens while every webhook is lost: Billing hears nothing of the invoice.
        await DroppingWebhooksAsync(billing.RunPastCycleEndAsync);
        Assert.DoesNotContain((await PageAsync(owner, $"/billing-accounts/{company}/invoices")).Items, i => i.Total > 0);

        // The reconciliation (here for one account, as staff can ask) repairs it.
        (await billing.Staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        var invoice = (await PageAsync(owner, $"/billing-accounts/{company}/invoices")).Items[0];
        Assert.Equal(("paid", 1_000 * Cents, false, 1), (invoice.Status, invoice.AmountPaid, invoice.PastDue, invoice.AttemptCount));
        // Paid on time: issued and paid, nothing about failures.
        Assert.Equal(["InvoiceIssued", "InvoicePaid"], (await billing.InvoiceEventsAsync(mark, invoice.Id)).Select(e => e.Name));

        // "Refunds and credits are issued through the Stripe dashboard": a partial refund, whose webhooks are lost too.
        await DroppingWebhooksAsync(() => billing.ControlAsync($"/_emulator/invoices/{invoice.Id}/refund", ("amount", "500")));
        Assert.Equal(0, (await DetailAsync(owner, invoice.Id)).PostPaymentCreditNotesAmount);

        // "The portal will reflect the resulting invoice/payment state on the next sync."
        mark = await billing.Database.MarkAsync();
        (await billing.Staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        var refunded = await DetailAsync(owner, invoice.Id);
        Assert.Equal(("paid", 1_000 * Cents, 500L, 0L), (refunded.Status, refunded.AmountPaid, refunded.PostPaymentCreditNotesAmount, refunded.PrePaymentCreditNotesAmount));
        (await billing.Staff.PostAsync($"/billing-accounts/{company}/sync", null, Ct)).EnsureSuccessStatusCode();
        Assert.Empty(await billing.InvoiceEventsAsync(mark, invoice.Id));
    }

    [Fact]
    public async Task An_organizations_invoice_breaks_its_usage_down_per_company_and_only_its_members_see_it()
    {
        var organization = await billing.OrganizationAsync("Northwind Group");
        var east = await billing.CompanyAsync("Northwind East");
        var west = await billing.CompanyAsync("Northwind West");
        var now = DateTimeOffset.UtcNow;
        await billing.JoinAsync(east, organization, now, version: 2);
        await billing.JoinAsync(west, organization, now, version: 2);
        var orgMember = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Organization, organization, MemberRole.Member)));
        var eastOwner = billing.Client(TestTokens.Customer(await billing.MemberAsync(AccountKind.Company, east, MemberRole.Owner)));
        await billing.AuthorizeStaffAsync(AccountKind.Organization, organization);
        var card = await billing.AddCardAsync(billing.Staff, organization, "pm_card_visa");
        await MakeDefaultAsync(billing.Staff, organization, card.Id);
        var (customer, start) = await SubscribeAsync(organization);
        await billing.ReportUsageAsync(customer, 1_000, start);
        // The usage push (built separately) records what it sent per company in this ledger; written here as it would.
        await billing.LedgerAsync(east, organization, customer, start, 700);
        await billing.LedgerAsync(west, organization, customer, start.AddMinutes(1), 300);
        await billing.LedgerAsync(east, organization, customer, start.AddMinutes(2), 40, sent: false); // not accepted by Stripe yet
        await billing.LedgerAsync(west, organization, customer, start.AddDays(-1), 60); // an earlier period's

        // A customer in Stripe that is not one of the platform's, on the same clock: its invoice is ignored.
        var outsider = await OutsideCustomerAsync();

        await billing.RunPastCycleEndAsync();
        await billing.SettledAsync(await billing.LatestStripeEventAsync());

        var invoice = Assert.Single((await PageAsync(orgMember, $"/billing-accounts/{organization}/invoices")).Items, i => i.Total > 0);
        var detail = await DetailAsync(orgMember, invoice.Id);
        Assert.Equal(("paid", AccountKind.Organization, "Northwind Group"), (detail.Status, detail.AccountKind, detail.AccountName));
        Assert.Equal([new CompanyUsage(east, "Northwind East", 700), new CompanyUsage(west, "Northwind West", 300)], detail.UsageByCompany);
        Assert.Equal(detail.UsageByCompany.Sum(u => u.Calls), Assert.Single(detail.Lines).Quantity);

        // A company's own members do not see the invoices of the organization paying for it.
        Assert.Equal(HttpStatusCode.NotFound, (await eastOwner.GetAsync($"/invoices/{invoice.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await eastOwner.GetAsync($"/billing-accounts/{organization}/invoices", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await eastOwner.GetAsync("/invoices", Ct)).StatusCode);

        Assert.NotEmpty(await billing.StripeClient.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = outsider }, cancellationToken: Ct));
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM invoices WHERE stripe_customer_id = '{outsider}'"));
    }

    [Fact]
    public async Task A_webhook_with_a_bad_signature_is_refused_and_nothing_is_stored()
    {
        var eventId = $"evt_forged_{Guid.NewGuid():N}";
        var payload = $$$"""
            {"id":"{{{eventId}}}","object":"event","api_version":"2026-10-28.endive","created":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},
             "type":"invoice.paid","data":{"object":{"id":"in_forged","object":"invoice","customer":"cus_forged"}},"livemode":false,"pending_webhooks":1}
            """;
        var anonymous = billing.Client(null);

        foreach (var signature in new[]
        {
            EventUtility.GenerateSignatureHeader(payload, "whsec_someone_elses", DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            EventUtility.GenerateSignatureHeader(payload, BillingFixture.WebhookSecret, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()),
            "t=1,v1=nonsense",
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhooks") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            request.Headers.Add("Stripe-Signature", signature);
            var response = await anonymous.SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(problem.GetProperty("errors").TryGetProperty("Stripe-Signature", out _), problem.ToString());
        }

        // By its own id: the fixture's other tests receive genuine webhooks meanwhile.
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM stripe_events WHERE id = '{eventId}'"));
        Assert.Equal(0, await billing.CountAsync("SELECT count(*) FROM invoices WHERE id = 'in_forged'"));
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"id": "evt_EVENT", "object": "event"}""")]
    [InlineData("""{"id": "evt_EVENT", "object": "event", "type": "invoice.paid", "created": 1764806400}""")]
    [InlineData("""{"id": "evt_EVENT", "object": "event", "type": "invoice.paid", "created": "yesterday", "data": {"object": {"id": "in_x", "object": "invoice"}}}""")]
    public async Task A_correctly_signed_webhook_that_is_not_a_whole_event_is_a_400_and_is_stored_nowhere(string template)
    {
        var eventId = $"evt_malformed_{Guid.NewGuid():N}";
        var payload = template.Replace("evt_EVENT", eventId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhooks") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", EventUtility.GenerateSignatureHeader(payload, BillingFixture.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        var response = await billing.Client(null).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), problem.ToString());
        Assert.Equal(0, await billing.CountAsync($"SELECT count(*) FROM stripe_events WHERE id = '{eventId}'"));
    }

    [Fact]
    public async Task A_signed_event_about_a_customer_stripe_does_not_have_is_given_up_with_the_reason_and_listed_to_staff()
    {
        var eventId = $"evt_orphan_{Guid.NewGuid():N}";
        var payload = $$$"""
            {"id":"{{{eventId}}}","object":"event","api_version":"2026-10-28.endive","created":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},
             "type":"customer.updated","data":{"object":{"id":"cus_nobody_{{{Guid.NewGuid():N}}}","object":"customer"}},"livemode":false,"pending_webhooks":1}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhooks") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", EventUtility.GenerateSignatureHeader(payload, BillingFixture.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        Assert.Equal(HttpStatusCode.OK, (await billing.Client(null).SendAsync(request, Ct)).StatusCode);

        await Eventually.IsTrue(
            async () => await billing.CountAsync($"SELECT count(*) FROM stripe_events WHERE id = '{eventId}' AND failed_at IS NOT NULL") == 1,
            "the event to be given up");
        // Given up at the first answer, not retried: one attempt, kept with Stripe's reason, not processed.
        Assert.Equal(1, await billing.CountAsync(
            $"SELECT count(*) FROM stripe_events WHERE id = '{eventId}' AND attempts = 1 AND processed_at IS NULL AND last_error LIKE '%No such customer%'"));
        var failed = await billing.Staff.GetFromJsonAsync<JsonElement>("/stripe/events?status=failed&pageSize=100", Ct);
        var listed = Assert.Single(failed.GetProperty("items").EnumerateArray(), e => e.GetProperty("id").GetString() == eventId);
        Assert.Equal("failed", listed.GetProperty("status").GetString());
        Assert.Contains("No such customer", listed.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        var pending = await billing.Staff.GetFromJsonAsync<JsonElement>("/stripe/events?status=pending&pageSize=100", Ct);
        Assert.DoesNotContain(pending.GetProperty("items").EnumerateArray(), e => e.GetProperty("id").GetString() == eventId);
        Assert.Equal(HttpStatusCode.Forbidden, (await billing.Client(TestTokens.Customer("someone")).GetAsync("/stripe/events", Ct)).StatusCode);
    }

    /// <summary>The account's subscription, and the moment (clock time) its first period began.</summary>
    private async Task<(string Customer, DateTimeOffset Start)> SubscribeAsync(Guid accountId)
    {
        var account = await billing.SubscribeAsync(accountId);
        return (account.StripeCustomerId!, account.SubscriptionStartedAt!.Value);
    }

    /// <summary>A customer created in Stripe's dashboard, with a card and a subscription on the calls price.</summary>
    private async Task<string> OutsideCustomerAsync()
    {
        var customer = await billing.StripeClient.V1.Customers.CreateAsync(
            new CustomerCreateOptions { Name = "Not a CIC customer", TestClock = billing.Clock!.Id, PaymentMethod = "pm_card_visa" }, cancellationToken: Ct);
        var card = (await billing.StripeClient.V1.Customers.PaymentMethods.ListAsync(customer.Id, cancellationToken: Ct)).Data[0];
        await billing.StripeClient.V1.Subscriptions.CreateAsync(
            new SubscriptionCreateOptions { Customer = customer.Id, DefaultPaymentMethod = card.Id, Items = [new SubscriptionItemOptions { Price = billing.Price.Id }] },
            cancellationToken: Ct);
        await billing.ReportUsageAsync(customer.Id, 10, await billing.ClockNowAsync());
        return customer.Id;
    }

    /// <summary>Runs <paramref name="action"/> with every webhook it causes delivered twice and, once all happened, newest first.</summary>
    private async Task ScrambledAsync(Func<Task> action)
    {
        await billing.ControlAsync("/_emulator/webhooks/duplicate", ("count", "10000"));
        await billing.ControlAsync("/_emulator/webhooks/out_of_order", ("count", "10000"));
        try
        {
            await action();
        }
        finally
        {
            await billing.ControlAsync("/_emulator/webhooks/duplicate", ("count", "0"));
            // Sends what the out-of-order switch holds, newest first.
            await billing.ControlAsync("/_emulator/webhooks/release", ("reverse", "true"));
        }
    }

    /// <summary>Runs <paramref name="action"/> with every webhook it causes lost.</summary>
    private async Task DroppingWebhooksAsync(Func<Task> action)
    {
        await billing.ControlAsync("/_emulator/webhooks/drop", ("count", "10000"));
        try
        {
            await action();
        }
        finally
        {
            await billing.ControlAsync("/_emulator/webhooks/drop", ("count", "0"));
        }
    }

    private static async Task MakeDefaultAsync(HttpClient portal, Guid accountId, string paymentMethodId) =>
        (await portal.PostAsync($"/billing-accounts/{accountId}/payment-methods/{paymentMethodId}/default", null, Ct)).EnsureSuccessStatusCode();

    private static async Task<RetryPaymentResponse> RetryAsync(HttpClient portal, string invoiceId, string? paymentMethodId = null)
    {
        var response = paymentMethodId is null
            ? await portal.PostAsync($"/invoices/{invoiceId}/retry", null, Ct)
            : await portal.PostAsJsonAsync($"/invoices/{invoiceId}/retry", new RetryPaymentRequest(paymentMethodId), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RetryPaymentResponse>(Ct))!;
    }

    private static async Task<InvoicePage> PageAsync(HttpClient portal, string url) =>
        (await portal.GetFromJsonAsync<InvoicePage>(url, Ct))!;

    private static async Task<InvoiceDetail> DetailAsync(HttpClient portal, string invoiceId) =>
        (await portal.GetFromJsonAsync<InvoiceDetail>($"/invoices/{invoiceId}", Ct))!;

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
