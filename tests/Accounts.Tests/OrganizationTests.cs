using System.Net;
using System.Net.Http.Json;
using Cic.Accounts.Organizations;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Accounts.Tests;

[Collection(nameof(AccountsService))]
public sealed class OrganizationTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Staff_create_an_organization_and_it_is_announced()
    {
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PostAsJsonAsync("/organizations", new CreateOrganization("Globex Group"), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var organization = (await response.Content.ReadFromJsonAsync<OrganizationResponse>(Cancel))!;
        var fetched = await accounts.Staff.GetFromJsonAsync<OrganizationResponse>($"/organizations/{organization.Id}", Cancel);
        Assert.Equal("Globex Group", fetched!.Name);
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["OrganizationCreated"], events.Select(e => e.Name));
        Assert.Equal(organization.Id, events[0].As<OrganizationCreated>().OrganizationId);
    }

    [Fact]
    public async Task Customers_cannot_create_organizations_and_see_only_their_own()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var theirs = await accounts.CreateOrganizationAsync($"Org {tag} A");
        var notTheirs = await accounts.CreateOrganizationAsync($"Org {tag} B");
        await accounts.AddMemberAsync("organizations", theirs.Id, $"member-{tag}", MemberRole.Member);
        var customer = accounts.Client(TestTokens.Customer($"member-{tag}"));

        var create = await customer.PostAsJsonAsync("/organizations", new CreateOrganization("Mine"), Cancel);
        var list = await customer.GetFromJsonAsync<ListPage<OrganizationResponse>>("/organizations", Cancel);
        var other = await customer.GetAsync($"/organizations/{notTheirs.Id}", Cancel);
        var otherCompanies = await customer.GetAsync($"/organizations/{notTheirs.Id}/companies", Cancel);
        var staffSearch = await accounts.Staff.GetFromJsonAsync<ListPage<OrganizationResponse>>($"/organizations?search={tag}", Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal([theirs.Id], list!.Items.Select(o => o.Id));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherCompanies.StatusCode);
        Assert.Equal(2, staffSearch!.Total);
    }
}
