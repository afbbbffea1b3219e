using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Notifications.Feed;
using Cic.Testing;
using static Cic.Notifications.Tests.NotificationsFixtureBase;

namespace Cic.Notifications.Tests;

[Collection(nameof(NotificationsService))]
public sealed class FeedTests(NotificationsFixture service)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_feed_pages_newest_first_filters_unread_counts_them_and_marks_one_or_all_read()
    {
        var company = await service.CompanyAsync("Wayne Calls");
        var owner = NewUser("owner");
        await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        var start = DateTimeOffset.UtcNow;
        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Company, company, start.AddMinutes(-3)));
        await service.PublishAsync(BillingEvents.InvoicePastDue(AccountKind.Company, company, start.AddMinutes(-2)));
        await service.PublishAsync(BillingEvents.PaymentRetrySucceeded(AccountKind.Company, company, start.AddMinutes(-1)));
        await Eventually.Returns(() => service.FeedAsync(owner), feed => feed.Total == 3, "three notifications in the feed");
        var me = service.Client(TestTokens.Customer(owner));

        var first = await service.FeedAsync(owner, "?pageSize=2");
        var second = await service.FeedAsync(owner, "?pageSize=2&page=2");
        Assert.Equal(["payment-retry-succeeded", "invoice-past-due"], first.Items.Select(i => i.Type));
        Assert.Equal(["invoice-issued"], second.Items.Select(i => i.Type));
        Assert.Equal((3, 3, 2, 2), (first.Total, first.Unread, first.PageSize, second.Page));

        var marked = await me.PostAsync($"/me/notifications/{first.Items[0].Id}/read", null, Cancel);
        var markedAgain = await me.PostAsync($"/me/notifications/{first.Items[0].Id}/read", null, Cancel);
        Assert.Equal(HttpStatusCode.NoContent, marked.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, markedAgain.StatusCode);
        Assert.Equal(2, (await me.GetFromJsonAsync<UnreadCount>("/me/notifications/unread-count", Cancel))!.Unread);
        var unread = await service.FeedAsync(owner, "?unread=true");
        Assert.Equal(["invoice-past-due", "invoice-issued"], unread.Items.Select(i => i.Type));
        var read = await service.FeedAsync(owner, "?unread=false");
        Assert.NotNull(Assert.Single(read.Items).ReadAt);

        var all = await me.PostAsync("/me/notifications/read-all", null, Cancel);
        Assert.Equal(2, (await all.Content.ReadFromJsonAsync<MarkedRead>(Cancel))!.Marked);
        Assert.Equal(0, (await me.GetFromJsonAsync<UnreadCount>("/me/notifications/unread-count", Cancel))!.Unread);
        Assert.Empty((await service.FeedAsync(owner, "?unread=true")).Items);
    }

    [Fact]
    public async Task Users_see_and_mark_only_their_own_notifications()
    {
        var company = await service.CompanyAsync("Stark Dialling");
        var owner = NewUser("owner");
        await service.MemberAsync(AccountKind.Company, company, owner, MemberRole.Owner);
        await service.PublishAsync(BillingEvents.InvoiceIssued(AccountKind.Company, company));
        var entry = (await Eventually.Returns(() => service.FeedAsync(owner), feed => feed.Total == 1, "the notification")).Items[0];
        var stranger = service.Client(TestTokens.Customer(NewUser("owner")));

        var markByStranger = await stranger.PostAsync($"/me/notifications/{entry.Id}/read", null, Cancel);
        var strangersFeed = await stranger.GetFromJsonAsync<FeedPage>("/me/notifications", Cancel);
        var allByStranger = await stranger.PostAsync("/me/notifications/read-all", null, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, markByStranger.StatusCode);
        Assert.Empty(strangersFeed!.Items);
        Assert.Equal(0, (await allByStranger.Content.ReadFromJsonAsync<MarkedRead>(Cancel))!.Marked);
        Assert.Equal(1, (await service.FeedAsync(owner)).Unread);
    }

    [Theory]
    [InlineData("?pageSize=500", "PageSize")]
    [InlineData("?page=0", "Page")]
    [InlineData("?unread=maybe", "Unread")]
    public async Task A_bad_feed_query_is_a_400_naming_the_parameter(string query, string field)
    {
        var response = await service.Client(TestTokens.Customer(NewUser("owner"))).GetAsync($"/me/notifications{query}", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Contains(json.RootElement.GetProperty("errors").EnumerateObject(), e => string.Equals(e.Name, field, StringComparison.OrdinalIgnoreCase));
    }
}
