using System.Net;
using System.Net.Http.Json;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Notifications.Email;
using Cic.Testing;
using static Cic.Notifications.Tests.NotificationsFixtureBase;

namespace Cic.Notifications.Tests;

[Collection(nameof(NotificationsService))]
public sealed class EmailDeliveryTests(NotificationsFixture service)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_smtp_outage_delays_the_email_but_does_not_lose_it()
    {
        var company = await service.CompanyAsync("Oceanic Calls");
        var owner = NewUser("owner");
        var email = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        await service.Mail.StopAsync();
        try
        {
            var pastDue = BillingEvents.InvoicePastDue(AccountKind.Company, company);
            await service.PublishAsync(pastDue);

            // Tried, refused, still pending with the reason; and in the feed already.
            await service.WaitForRowAsync(
                $"SELECT count(*) FROM email_deliveries WHERE user_id = '{owner}' AND attempts >= 1 AND status = 'pending' AND last_error IS NOT NULL",
                "a failed attempt to send the email");
            var pending = await service.Staff.GetFromJsonAsync<DeliveryPage>($"/email-deliveries?status=pending&userId={owner}", Cancel);
            Assert.Contains("Socket", Assert.Single(pending!.Items).LastError, StringComparison.OrdinalIgnoreCase);
            Assert.Single((await service.FeedAsync(owner)).Items);
        }
        finally
        {
            await service.Mail.StartAgainAsync();
        }

        var mail = Assert.Single(await service.Mail.WaitForAsync(email));
        Assert.Contains("Past due", mail.Subject, StringComparison.Ordinal);
        await service.WaitForRowAsync(
            $"SELECT count(*) FROM email_deliveries WHERE user_id = '{owner}' AND status = 'sent' AND attempts >= 2",
            "the delivery to be recorded sent");
    }

    [Fact]
    public async Task A_recipient_the_server_rejects_for_good_is_recorded_failed_with_the_reason_for_staff()
    {
        var company = await service.CompanyAsync("Dunder Calls");
        var (owner, billing) = (NewUser("owner"), NewUser("billing"));
        await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner, email: $"{owner}@{SmtpSink.RejectingDomain}");
        var billingEmail = await service.MemberAsync(AccountKind.Company, company, billing, MemberRole.Billing);

        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Company, company));

        Assert.Single(await service.Mail.WaitForAsync(billingEmail));
        var failed = await Eventually.Returns(
            () => service.Staff.GetFromJsonAsync<DeliveryPage>($"/email-deliveries?status=failed&userId={owner}", Cancel)!,
            page => page!.Total == 1,
            "the rejected email to be listed as failed");
        var delivery = failed!.Items[0];
        Assert.Equal(("failed", 1, $"{owner}@{SmtpSink.RejectingDomain}", "invoice-issued"), (delivery.Status, delivery.Attempts, delivery.To, delivery.Type));
        Assert.Contains("550", delivery.LastError, StringComparison.Ordinal);
        Assert.NotNull(delivery.FailedAt);
        // The feed still has it: only the email failed.
        Assert.Single((await service.FeedAsync(owner)).Items);
    }

    [Fact]
    public async Task Only_staff_list_deliveries_and_an_unknown_status_is_a_400()
    {
        var byCustomer = await service.Client(TestTokens.Customer(NewUser("owner"))).GetAsync("/email-deliveries?status=failed", Cancel);
        var unknown = await service.Staff.GetAsync("/email-deliveries?status=lost", Cancel);
        var retryMissing = await service.Staff.PostAsync($"/email-deliveries/{Guid.NewGuid()}/retry", null, Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, byCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("\"status\"", await unknown.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, retryMissing.StatusCode);
    }
}

[Collection(nameof(ImpatientEmail))]
public sealed class EmailGiveUpTests(ImpatientEmailFixture service)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_email_the_server_keeps_deferring_fails_after_the_last_attempt_and_staff_can_send_it_again()
    {
        var company = await service.CompanyAsync("Sterling Calls");
        var owner = NewUser("owner");
        await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner, email: $"{owner}@{SmtpSink.DeferringDomain}");

        await service.PublishAsync(BillingEvents.PaymentRetryFailed(AccountKind.Company, company));

        var failed = await Eventually.Returns(
            () => service.Staff.GetFromJsonAsync<DeliveryPage>($"/email-deliveries?status=failed&userId={owner}", Cancel)!,
            page => page!.Total == 1,
            "the deferred email to be given up");
        var delivery = failed!.Items[0];
        Assert.Equal(2, delivery.Attempts);
        Assert.StartsWith("Gave up after 2 attempts", delivery.LastError, StringComparison.Ordinal);
        Assert.Contains("451", delivery.LastError, StringComparison.Ordinal);
        var listedByDefault = await service.Staff.GetFromJsonAsync<DeliveryPage>($"/email-deliveries?userId={owner}", Cancel);
        Assert.Single(listedByDefault!.Items);

        var retried = await service.Staff.PostAsync($"/email-deliveries/{delivery.Id}/retry", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("pending", (await retried.Content.ReadFromJsonAsync<EmailDeliveryResponse>(Cancel))!.Status);
        // The server still defers it, so it fails again after a fresh round of attempts.
        await service.WaitForRowAsync(
            $"SELECT count(*) FROM email_deliveries WHERE id = '{delivery.Id}' AND status = 'failed' AND failed_at > '{delivery.FailedAt:O}'",
            "the retried email to fail again");
        var again = await service.Staff.PostAsync($"/email-deliveries/{delivery.Id}/retry", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Only_a_failed_email_can_be_retried()
    {
        var company = await service.CompanyAsync("Bluth Calls");
        var owner = NewUser("owner");
        var email = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Company, company));
        await service.Mail.WaitForAsync(email);
        var sent = await Eventually.Returns(
            () => service.Staff.GetFromJsonAsync<DeliveryPage>($"/email-deliveries?status=sent&userId={owner}", Cancel)!,
            page => page!.Total == 1,
            "the email to be recorded sent");

        var retry = await service.Staff.PostAsync($"/email-deliveries/{sent!.Items[0].Id}/retry", null, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
    }
}
