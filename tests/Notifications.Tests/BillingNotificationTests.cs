using System.Net.Http.Json;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Notifications.Email;
using static Cic.Notifications.Tests.NotificationsFixtureBase;

namespace Cic.Notifications.Tests;

/// <summary>The five billing events reach the right members of the billing account, in the feed and by email, once.</summary>
[Collection(nameof(NotificationsService))]
public sealed class BillingNotificationTests(NotificationsFixture service)
{
    public static TheoryData<string> Types =>
        ["invoice-issued", "invoice-past-due", "payment-method-expired", "payment-retry-succeeded", "payment-retry-failed", "unusual-usage"];

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Each_billing_event_reaches_the_owners_and_billing_members_in_the_feed_and_by_email_but_not_plain_members(string type)
    {
        var company = await service.CompanyAsync("Acme Calls Ltd");
        var (owner, billing, plain) = (NewUser("owner"), NewUser("billing"), NewUser("member"));
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var billingEmail = await service.MemberAsync(AccountKind.Company, company, billing, MemberRole.Billing);
        var plainEmail = await service.MemberAsync(AccountKind.Company, company, plain, MemberRole.Member);
        var scenario = Scenario(type, company);

        await scenario.Publish();

        var ownerMail = Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        var billingMail = Assert.Single(await service.Mail.WaitForAsync(billingEmail));
        foreach (var fragment in scenario.EmailSays)
        {
            Assert.Contains(fragment, ownerMail.Subject + "\n" + ownerMail.TextBody, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("Acme Calls Ltd", ownerMail.Subject, StringComparison.Ordinal);
        Assert.StartsWith($"Hello {DisplayName(owner)},", ownerMail.TextBody, StringComparison.Ordinal);
        Assert.StartsWith($"Hello {DisplayName(billing)},", billingMail.TextBody, StringComparison.Ordinal);
        Assert.Equal("billing@cic.test", ownerMail.From.Mailboxes.Single().Address);
        Assert.Equal($"{EmailDelivery.IdFor(scenario.EventId, owner):N}@cic.test", ownerMail.MessageId);

        foreach (var user in new[] { owner, billing })
        {
            var entry = Assert.Single((await service.FeedAsync(user)).Items);
            Assert.Equal((type, AccountKind.Company, company, "Acme Calls Ltd"), (entry.Type, entry.AccountKind, entry.AccountId, entry.AccountName));
            Assert.Contains(scenario.TitleSays, entry.Title, StringComparison.Ordinal);
            Assert.Equal(scenario.Link, entry.Link);
            Assert.Null(entry.ReadAt);
        }

        // The plain member's rows would have been written in the same transaction as the others'.
        Assert.Empty((await service.FeedAsync(plain)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{plain}'"));
        Assert.Empty(service.Mail.MessagesTo(plainEmail));
    }

    [Fact]
    public async Task An_organizations_invoice_goes_to_the_organizations_owners_and_billing_members_not_to_its_companies_members()
    {
        var organization = await service.OrganizationAsync("Globex Group");
        var company = await service.CompanyAsync("Globex Calls");
        var (orgOwner, orgBilling, companyOwner) = (NewUser("owner"), NewUser("billing"), NewUser("owner"));
        var orgOwnerEmail = await service.MemberAsync(AccountKind.Organization, organization, orgOwner, MemberRole.Owner);
        var orgBillingEmail = await service.MemberAsync(AccountKind.Organization, organization, orgBilling, MemberRole.Billing);
        var companyOwnerEmail = await service.MemberAsync(AccountKind.Company, company, companyOwner, MemberRole.Owner);

        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Organization, organization));

        var mail = Assert.Single(await service.Mail.WaitForAsync(orgOwnerEmail));
        Assert.Contains("Globex Group", mail.Subject, StringComparison.Ordinal);
        Assert.Single(await service.Mail.WaitForAsync(orgBillingEmail));
        var entry = Assert.Single((await service.FeedAsync(orgOwner)).Items);
        Assert.Equal((AccountKind.Organization, organization, "Globex Group"), (entry.AccountKind, entry.AccountId, entry.AccountName));

        Assert.Empty((await service.FeedAsync(companyOwner)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{companyOwner}'"));
        Assert.Empty(service.Mail.MessagesTo(companyOwnerEmail));
    }

    [Fact]
    public async Task A_member_removed_before_the_event_gets_nothing()
    {
        var company = await service.CompanyAsync("Initech");
        var (owner, leaver) = (NewUser("owner"), NewUser("billing"));
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var leaverEmail = await service.MemberAsync(AccountKind.Company, company, leaver, MemberRole.Billing);
        await service.RemoveMemberAsync(AccountKind.Company, company, leaver);

        await service.PublishAsync(BillingEvents.InvoicePastDue(AccountKind.Company, company));

        Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        Assert.Single((await service.FeedAsync(owner)).Items);
        Assert.Empty((await service.FeedAsync(leaver)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{leaver}'"));
        Assert.Empty(service.Mail.MessagesTo(leaverEmail));
    }

    [Fact]
    public async Task A_removal_that_arrives_before_an_older_addition_keeps_the_member_out()
    {
        var company = await service.CompanyAsync("Umbrella Calls");
        var owner = NewUser("owner");
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var stale = NewUser("billing");
        var now = DateTimeOffset.UtcNow;
        await service.RemoveMemberAsync(AccountKind.Company, company, stale, at: now);
        var lateAddition = new MemberAdded(Guid.NewGuid(), now.AddMinutes(-1), AccountKind.Company, company, stale, $"{stale}@example.test", "Stale", MemberRole.Billing);
        await service.PublishAsync(lateAddition);
        await service.WaitForRowAsync($"SELECT count(*) FROM inbox_messages WHERE message_id = '{lateAddition.EventId}'", "the late addition to be handled");

        await service.PublishAsync(BillingEvents.PaymentRetryFailed(AccountKind.Company, company));

        Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM members WHERE user_id = '{stale}' AND is_active"));
        Assert.Empty((await service.FeedAsync(stale)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{stale}'"));
    }

    [Fact]
    public async Task A_redelivered_or_republished_event_notifies_each_member_once_per_channel()
    {
        var company = await service.CompanyAsync("Hooli Voice");
        var owner = NewUser("owner");
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var issued = BillingEvents.InvoiceIssued(AccountKind.Company, company);
        await service.PublishAsync(issued);
        await service.Mail.WaitForAsync(ownerEmail);

        // The broker redelivers it (same message id), and a producer re-publishes it under a new message id.
        await service.PublishAsync(issued);
        var republished = Guid.NewGuid();
        await service.PublishAsync(issued, messageId: republished);
        await service.WaitForRowAsync($"SELECT count(*) FROM inbox_messages WHERE message_id = '{republished}'", "the re-published copy to be handled");
        // A later event on the same queue, to see the copies have had their chance.
        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Company, company));
        await service.Mail.WaitForAsync(ownerEmail, count: 2);

        Assert.Equal(1, await service.CountAsync($"SELECT count(*) FROM notifications WHERE event_id = '{issued.EventId}'"));
        Assert.Equal(1, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE event_id = '{issued.EventId}'"));
        var messageId = $"{EmailDelivery.IdFor(issued.EventId, owner):N}@cic.test";
        Assert.Single(service.Mail.MessagesTo(ownerEmail), m => m.MessageId == messageId);
        Assert.Equal(2, (await service.FeedAsync(owner)).Total);
    }

    [Fact]
    public async Task An_unusual_usage_anomaly_published_twice_is_notified_once_and_respects_the_users_settings()
    {
        var company = await service.CompanyAsync("Spiky Calls");
        var (owner, quiet) = (NewUser("owner"), NewUser("billing"));
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var quietEmail = await service.MemberAsync(AccountKind.Company, company, quiet, MemberRole.Billing);
        var off = await service.Client(Cic.Testing.TestTokens.Customer(quiet)).PutAsJsonAsync(
            "/me/notification-settings", new { settings = new Dictionary<string, object> { ["unusual-usage"] = new Dictionary<string, bool> { ["email"] = false } } },
            TestContext.Current.CancellationToken);
        off.EnsureSuccessStatusCode();

        var unusual = BillingEvents.UnusualUsage(company);
        await service.PublishAsync(unusual);
        var republished = Guid.NewGuid();
        await service.PublishAsync(unusual, messageId: republished);
        await service.WaitForRowAsync($"SELECT count(*) FROM inbox_messages WHERE message_id = '{republished}'", "the re-published copy to be handled");

        Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        Assert.Equal(2, await service.CountAsync($"SELECT count(*) FROM notifications WHERE event_id = '{unusual.EventId}'"));
        Assert.Equal(1, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE event_id = '{unusual.EventId}'"));
        Assert.Equal("unusual-usage", Assert.Single((await service.FeedAsync(quiet)).Items).Type);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{quiet}'"));
        Assert.Empty(service.Mail.MessagesTo(quietEmail));
    }

    private sealed record EventScenario(Guid EventId, Func<Task> Publish, string TitleSays, string? Link, string[] EmailSays);

    private EventScenario Scenario(string type, Guid company)
    {
        var paymentMethods = $"{PortalBaseUrl}billing/companies/{company}/payment-methods";
        var invoices = $"{PortalBaseUrl}billing/companies/{company}/invoices";
        switch (type)
        {
            case "invoice-issued":
                var issued = BillingEvents.InvoiceIssued(AccountKind.Company, company);
                return new(issued.EventId, () => service.PublishAsync(issued), "New invoice CIC-2026-0042", BillingEvents.HostedInvoiceUrl,
                    ["1,234.50 EUR", "from 1 October 2026 to 31 October 2026", "due by 30 November 2026", BillingEvents.HostedInvoiceUrl]);
            case "invoice-past-due":
                var pastDue = BillingEvents.InvoicePastDue(AccountKind.Company, company);
                return new(pastDue.EventId, () => service.PublishAsync(pastDue), "is past due", BillingEvents.HostedInvoiceUrl,
                    ["CIC-2026-0042", "1,234.50 EUR is still owed", "3 December 2026", BillingEvents.HostedInvoiceUrl, "add a new card", paymentMethods]);
            case "payment-method-expired":
                var expired = BillingEvents.PaymentMethodExpired(AccountKind.Company, company);
                return new(expired.EventId, () => service.PublishAsync(expired), "Visa card ending in 4242", paymentMethods,
                    ["Visa card ending in 4242", "October 2026", "the card invoices are charged to", "add a new card", paymentMethods]);
            case "payment-retry-succeeded":
                var succeeded = BillingEvents.PaymentRetrySucceeded(AccountKind.Company, company);
                return new(succeeded.EventId, () => service.PublishAsync(succeeded), "is paid", invoices,
                    ["CIC-2026-0042", "1,234.50 EUR was paid", "after 3 attempts", "nothing more to do"]);
            case "payment-retry-failed":
                var failed = BillingEvents.PaymentRetryFailed(AccountKind.Company, company);
                return new(failed.EventId, () => service.PublishAsync(failed), "Payment of invoice CIC-2026-0042", BillingEvents.HostedInvoiceUrl,
                    ["insufficient funds", "1,234.50 EUR is still owed", "6 December 2026", "add a new card", paymentMethods, BillingEvents.HostedInvoiceUrl]);
            case "unusual-usage":
                var unusual = BillingEvents.UnusualUsage(company);
                return new(unusual.EventId, () => service.PublishAsync(unusual), "Unusual usage for Acme Calls Ltd: a spike", $"{PortalBaseUrl}billing/companies/{company}/usage",
                    ["far more calls than usual", "14:00–15:00 UTC on 4 December 2026", "1,840 calls", "usual 120 per hour over the previous 24 hours", "every call handled is billed"]);
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }
}
