using System.Net;
using System.Net.Http.Json;
using Cic.Accounts.Members;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Accounts.Tests;

[Collection(nameof(AccountsService))]
public sealed class MemberTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Staff_add_an_owner_who_then_adds_a_billing_member_and_each_addition_is_announced()
    {
        var company = await accounts.RegisterCompanyAsync();
        var mark = await accounts.Database.MarkAsync();

        var byStaff = await accounts.Staff.PostAsJsonAsync($"/companies/{company.Id}/members",
            new AddMember("owner-1", "owner1@example.com", "Owen Owner", MemberRole.Owner), Cancel);
        var byOwner = await accounts.Client(TestTokens.Customer("owner-1")).PostAsJsonAsync($"/companies/{company.Id}/members",
            new AddMember("billing-1", "billing1@example.com", "Bill Ing", MemberRole.Billing), Cancel);

        Assert.Equal(HttpStatusCode.Created, byStaff.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byOwner.StatusCode);
        var added = (await byOwner.Content.ReadFromJsonAsync<MemberResponse>(Cancel))!;
        Assert.Equal(("billing-1", MemberRole.Billing, "owner-1"), (added.UserId, added.Role, added.AddedBy));

        var members = await accounts.Staff.GetFromJsonAsync<List<MemberResponse>>($"/companies/{company.Id}/members", Cancel);
        Assert.Equal(["billing-1", "owner-1"], members!.Select(m => m.UserId).Order());

        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["MemberAdded", "MemberAdded"], events.Select(e => e.Name));
        var billing = events[1].As<MemberAdded>();
        Assert.Equal((AccountKind.Company, company.Id, "billing-1", "billing1@example.com", MemberRole.Billing),
            (billing.AccountKind, billing.AccountId, billing.UserId, billing.Email, billing.Role));
    }

    [Fact]
    public async Task Only_owners_manage_members_and_strangers_do_not_learn_the_company_exists()
    {
        var company = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("companies", company.Id, "plain-pat", MemberRole.Member);
        var mark = await accounts.Database.MarkAsync();
        var newcomer = new AddMember("x-1", "x@example.com", "X", MemberRole.Owner);

        var byMember = await accounts.Client(TestTokens.Customer("plain-pat")).PostAsJsonAsync($"/companies/{company.Id}/members", newcomer, Cancel);
        var byStranger = await accounts.Client(TestTokens.Customer("stranger")).PostAsJsonAsync($"/companies/{company.Id}/members", newcomer, Cancel);
        var listByStranger = await accounts.Client(TestTokens.Customer("stranger")).GetAsync($"/companies/{company.Id}/members", Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, listByStranger.StatusCode);
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
    }

    [Fact]
    public async Task Removing_a_member_is_announced_and_takes_their_access_away()
    {
        var company = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("companies", company.Id, "leaving-lee", MemberRole.Member);
        var mark = await accounts.Database.MarkAsync();

        var removed = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/members/leaving-lee", Cancel);
        var again = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/members/leaving-lee", Cancel);
        var read = await accounts.Client(TestTokens.Customer("leaving-lee")).GetAsync($"/companies/{company.Id}", Cancel);

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["MemberRemoved"], events.Select(e => e.Name));
        Assert.Equal("leaving-lee", events[0].As<MemberRemoved>().UserId);
    }

    [Fact]
    public async Task An_organization_member_sees_its_companies_and_its_owner_manages_their_members()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync(organizationId: organization.Id);
        var other = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("organizations", organization.Id, "org-owner", MemberRole.Owner);
        await accounts.AddMemberAsync("companies", other.Id, "org-owner", MemberRole.Billing);
        var owner = accounts.Client(TestTokens.Customer("org-owner"));

        var mine = await owner.GetFromJsonAsync<MyAccountsResponse>("/me/accounts", Cancel);
        var companyRead = await owner.GetAsync($"/companies/{company.Id}", Cancel);
        var addToCompany = await owner.PostAsJsonAsync($"/companies/{company.Id}/members",
            new AddMember("team-1", "team1@example.com", "Team One", MemberRole.Member), Cancel);

        Assert.Equal([organization.Id], mine!.Organizations.Select(o => o.Id));
        Assert.Equal(MemberRole.Owner, mine.Organizations[0].Role);
        var viaOrganization = Assert.Single(mine.Companies, c => c.Id == company.Id);
        Assert.True(viaOrganization.ThroughOrganization);
        Assert.Null(viaOrganization.Role);
        var direct = Assert.Single(mine.Companies, c => c.Id == other.Id);
        Assert.Equal(MemberRole.Billing, direct.Role);
        Assert.Equal(HttpStatusCode.OK, companyRead.StatusCode);
        Assert.Equal(HttpStatusCode.Created, addToCompany.StatusCode);
    }

    [Fact]
    public async Task A_bad_email_or_an_unknown_role_is_a_400_naming_the_field()
    {
        var company = await accounts.RegisterCompanyAsync();

        var badEmail = await accounts.Staff.PostAsJsonAsync($"/companies/{company.Id}/members",
            new { userId = "u-1", email = "not-an-email", displayName = "U", role = "Member" }, Cancel);
        var badRole = await accounts.Staff.PostAsJsonAsync($"/companies/{company.Id}/members",
            new { userId = "u-1", email = "u@example.com", displayName = "U", role = "Emperor" }, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);
        Assert.Contains("email", (await badEmail.Content.ReadAsStringAsync(Cancel)).ToLowerInvariant());
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("role", (await badRole.Content.ReadAsStringAsync(Cancel)).ToLowerInvariant());
        Assert.Equal(0, await accounts.Database.ScalarAsync<long>($"SELECT count(*) FROM members WHERE account_id = '{company.Id}'"));
    }
}
