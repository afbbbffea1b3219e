using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Notifications.Settings;
using Cic.Testing;
using static Cic.Notifications.Tests.NotificationsFixtureBase;

namespace Cic.Notifications.Tests;

[Collection(nameof(NotificationsService))]
public sealed class SettingsTests(NotificationsFixture service)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] AllTypes =
        ["invoice-issued", "invoice-past-due", "payment-method-expired", "payment-retry-succeeded", "payment-retry-failed", "unusual-usage"];

    [Fact]
    public async Task Every_type_is_on_for_both_channels_until_the_user_changes_it()
    {
        var settings = await Mine(NewUser("owner"));

        Assert.Equal(AllTypes.Order(), settings.Settings.Keys.Order());
        Assert.All(settings.Settings.Values, channels =>
            Assert.Equal([("email", true), ("in-app", true)], channels.Select(c => (c.Key, c.Value)).OrderBy(c => c.Key)));
    }

    [Fact]
    public async Task A_user_who_turns_email_off_for_a_type_still_sees_it_in_the_feed_and_gets_other_types_by_email()
    {
        var company = await service.CompanyAsync("Vandelay Telecom");
        var owner = NewUser("owner");
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);

        var changed = await Client(owner).PutAsJsonAsync("/me/notification-settings", Change("invoice-issued", ("email", false)), Cancel);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.False((await Mine(owner)).Settings["invoice-issued"]["email"]);
        Assert.True((await Mine(owner)).Settings["invoice-issued"]["in-app"]);

        var issued = BillingEvents.InvoiceIssued(AccountKind.Company, company);
        await service.PublishAsync(issued);
        await service.PublishAsync(BillingEvents.InvoicePastDue(AccountKind.Company, company));

        var mail = Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        Assert.Contains("Past due", mail.Subject, StringComparison.Ordinal);
        await service.WaitForRowAsync($"SELECT count(*) FROM notifications WHERE event_id = '{issued.EventId}'", "the invoice in the feed");
        // The feed entry and any email delivery of the event are written together: there is none.
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE event_id = '{issued.EventId}'"));
        Assert.Equal(["invoice-issued", "invoice-past-due"], (await service.FeedAsync(owner)).Items.Select(i => i.Type).Order());
    }

    [Fact]
    public async Task A_user_who_turns_the_feed_off_for_a_type_gets_it_by_email_only()
    {
        var company = await service.CompanyAsync("Kramerica");
        var billing = NewUser("billing");
        var email = await service.MemberAsync(AccountKind.Company, company, billing, MemberRole.Billing);
        await Client(billing).PutAsJsonAsync("/me/notification-settings", Change("payment-method-expired", ("in-app", false)), Cancel);

        var expired = BillingEvents.PaymentMethodExpired(AccountKind.Company, company);
        await service.PublishAsync(expired);

        Assert.Single(await service.Mail.WaitForAsync(email));
        Assert.Empty((await service.FeedAsync(billing)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM notifications WHERE event_id = '{expired.EventId}'"));
    }

    [Fact]
    public async Task A_user_with_both_channels_off_gets_nothing_while_the_other_recipients_are_notified()
    {
        var company = await service.CompanyAsync("Pendant Publishing");
        var (quiet, owner) = (NewUser("owner"), NewUser("owner"));
        var quietEmail = await service.MemberAsync(AccountKind.Company, company, quiet, MemberRole.Owner);
        var ownerEmail = await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        await Client(quiet).PutAsJsonAsync("/me/notification-settings", Change("payment-retry-succeeded", ("in-app", false), ("email", false)), Cancel);

        await service.PublishAsync(BillingEvents.PaymentRetrySucceeded(AccountKind.Company, company));

        Assert.Single(await service.Mail.WaitForAsync(ownerEmail));
        Assert.Empty((await service.FeedAsync(quiet)).Items);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM email_deliveries WHERE user_id = '{quiet}'"));
        Assert.Empty(service.Mail.MessagesTo(quietEmail));
    }

    [Fact]
    public async Task Unknown_types_and_channels_are_a_400_naming_them_and_change_nothing()
    {
        var user = NewUser("owner");
        var body = new Dictionary<string, object>
        {
            ["settings"] = new Dictionary<string, Dictionary<string, bool>>
            {
                ["invoice-issued"] = new() { ["email"] = false, ["sms"] = false },
                ["invoice-exploded"] = new() { ["email"] = false },
            },
        };

        var response = await Client(user).PutAsJsonAsync("/me/notification-settings", body, Cancel);
        var missing = await Client(user).PutAsJsonAsync("/me/notification-settings", new { }, Cancel);
        var wrongType = await Client(user).PutAsync("/me/notification-settings",
            JsonContent.Create(JsonDocument.Parse("""{ "settings": { "invoice-issued": { "email": "off" } } }""").RootElement), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await ErrorsOf(response);
        Assert.Contains("settings.invoice-issued.sms", errors);
        Assert.Contains("settings.invoice-exploded", errors);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("settings", await ErrorsOf(missing), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("settings.invoice-issued.email", await ErrorsOf(wrongType));
        Assert.True((await Mine(user)).Settings["invoice-issued"]["email"]);
        Assert.Equal(0, await service.CountAsync($"SELECT count(*) FROM notification_settings WHERE user_id = '{user}'"));
    }

    [Fact]
    public async Task Staff_read_and_change_a_users_settings_on_their_behalf_and_customers_may_not()
    {
        var user = NewUser("billing");

        var changed = await service.Staff.PutAsJsonAsync($"/users/{user}/notification-settings", Change("invoice-past-due", ("email", false)), Cancel);
        var read = await service.Staff.GetFromJsonAsync<NotificationSettingsResponse>($"/users/{user}/notification-settings", Cancel);
        var byCustomer = await Client(NewUser("owner")).GetAsync($"/users/{user}/notification-settings", Cancel);
        var changeByCustomer = await Client(NewUser("owner")).PutAsJsonAsync($"/users/{user}/notification-settings", Change("invoice-past-due", ("email", true)), Cancel);
        var anonymous = await service.Client(null).GetAsync("/me/notification-settings", Cancel);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.False(read!.Settings["invoice-past-due"]["email"]);
        Assert.False((await Mine(user)).Settings["invoice-past-due"]["email"]);
        Assert.Equal("staff-sam", await service.Database.ScalarAsync<string>($"SELECT changed_by FROM notification_settings WHERE user_id = '{user}'"));
        Assert.Equal(HttpStatusCode.Forbidden, byCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, changeByCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.False((await Mine(user)).Settings["invoice-past-due"]["email"]);
    }

    private HttpClient Client(string userId) => service.Client(TestTokens.Customer(userId));

    private async Task<NotificationSettingsResponse> Mine(string userId) =>
        (await Client(userId).GetFromJsonAsync<NotificationSettingsResponse>("/me/notification-settings", Cancel))!;

    private static ChangeNotificationSettings Change(string type, params (string Channel, bool On)[] channels) =>
        new(new Dictionary<string, Dictionary<string, bool>> { [type] = channels.ToDictionary(c => c.Channel, c => c.On) });

    private static async Task<IReadOnlyList<string>> ErrorsOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        return json.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
    }
}
