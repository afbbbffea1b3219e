using System.Net;
using System.Net.Http.Json;
using Cic.Accounts.BillingArrangements;
using Cic.Accounts.Companies;
using Cic.Accounts.Moves;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;

namespace Cic.Accounts.Tests;

[Collection(nameof(AccountsService))]
public sealed class MoveTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Joining_changes_membership_at_once_and_the_payer_from_the_next_cycle()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync();
        var mark = await accounts.Database.MarkAsync();
        var now = accounts.Clock.GetUtcNow();

        var response = await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var moved = (await response.Content.ReadFromJsonAsync<MoveResponse>(Cancel))!;
        Assert.Equal(organization.Id, moved.Company.OrganizationId);
        Assert.Equal((AccountKind.Company, company.Id), (moved.BillingArrangement.Current!.PayerKind, moved.BillingArrangement.Current.PayerId));
        Assert.Equal((AccountKind.Organization, organization.Id, BillingCycle.Containing(now).End),
            (moved.BillingArrangement.Pending!.PayerKind, moved.BillingArrangement.Pending.PayerId, moved.BillingArrangement.Pending.EffectiveFrom));

        var inOrganization = await accounts.Staff.GetFromJsonAsync<List<CompanyResponse>>($"/organizations/{organization.Id}/companies", Cancel);
        Assert.Equal([company.Id], inOrganization!.Select(c => c.Id));

        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyJoinedOrganization", "BillingArrangementChanged"], events.Select(e => e.Name));
        Assert.Equal(organization.Id, events[0].As<CompanyJoinedOrganization>().OrganizationId);
        var changed = events[1].As<BillingArrangementChanged>();
        Assert.Equal((AccountKind.Organization, organization.Id, BillingCycle.Containing(now).End, 2L),
            (changed.PayerKind, changed.PayerId, changed.EffectiveFrom, changed.Version));
    }

    [Fact]
    public async Task Joining_a_second_organization_is_a_409_and_changes_nothing()
    {
        var first = await accounts.CreateOrganizationAsync();
        var second = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync(organizationId: first.Id);
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(second.Id), Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
        Assert.Equal(first.Id, (await accounts.Staff.GetFromJsonAsync<CompanyResponse>($"/companies/{company.Id}", Cancel))!.OrganizationId);
    }

    [Fact]
    public async Task Joining_the_same_organization_again_changes_nothing()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync(organizationId: organization.Id);
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
    }

    [Fact]
    public async Task Leaving_when_in_no_organization_is_a_409_and_unknown_targets_are_404_or_400()
    {
        var company = await accounts.RegisterCompanyAsync();

        var leave = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/organization", Cancel);
        var unknownCompany = await accounts.Staff.PutAsJsonAsync($"/companies/{Guid.NewGuid()}/organization", new JoinOrganization(Guid.NewGuid()), Cancel);
        var unknownOrganization = await accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(Guid.NewGuid()), Cancel);

        Assert.Equal(HttpStatusCode.Conflict, leave.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownCompany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownOrganization.StatusCode);
        Assert.Contains("organizationId", await unknownOrganization.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Leaving_changes_membership_at_once_and_announces_self_billing_from_the_next_cycle()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync(organizationId: organization.Id);
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/organization", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var moved = (await response.Content.ReadFromJsonAsync<MoveResponse>(Cancel))!;
        Assert.Null(moved.Company.OrganizationId);
        Assert.Equal(organization.Id, moved.BillingArrangement.Current!.PayerId);
        Assert.Equal(company.Id, moved.BillingArrangement.Pending!.PayerId);
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyLeftOrganization", "BillingArrangementChanged"], events.Select(e => e.Name));
    }

    [Fact]
    public async Task Customers_cannot_move_companies()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var company = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("companies", company.Id, "owner-olga", MemberRole.Owner);

        var response = await accounts.Client(TestTokens.Customer("owner-olga"))
            .PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(organization.Id), Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Two_concurrent_moves_of_one_company_leave_one_consistent_arrangement()
    {
        for (var round = 0; round < 5; round++)
        {
            var first = await accounts.CreateOrganizationAsync();
            var second = await accounts.CreateOrganizationAsync();
            var company = await accounts.RegisterCompanyAsync();

            var responses = await Task.WhenAll(
                accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(first.Id), Cancel),
                accounts.Staff.PutAsJsonAsync($"/companies/{company.Id}/organization", new JoinOrganization(second.Id), Cancel));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
            var winner = responses[0].StatusCode == HttpStatusCode.OK ? first.Id : second.Id;
            var stored = await accounts.Staff.GetFromJsonAsync<CompanyResponse>($"/companies/{company.Id}", Cancel);
            var arrangement = await accounts.Staff.GetFromJsonAsync<BillingArrangementResponse>($"/companies/{company.Id}/billing-arrangement", Cancel);
            Assert.Equal(winner, stored!.OrganizationId);
            Assert.Equal(winner, arrangement!.Pending!.PayerId);
            Assert.Single(arrangement.History, a => a.PayerKind == AccountKind.Organization);
            Assert.Equal(arrangement.History.Count, arrangement.History.Select(a => a.Version).Distinct().Count());
        }
    }
}
