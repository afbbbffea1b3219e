using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cic.Accounts.Companies;
using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.Testing;
using MassTransit;

namespace Cic.Accounts.Tests;

[Collection(nameof(AccountsService))]
public sealed class CompanyTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Staff_register_a_company_which_is_billed_on_its_own_at_once()
    {
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PostAsJsonAsync("/companies", new RegisterCompany("Acme Telecom", "crm-1001", null), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var company = (await response.Content.ReadFromJsonAsync<CompanyResponse>(Cancel))!;
        Assert.Equal($"/companies/{company.Id}", response.Headers.Location?.ToString());
        Assert.Equal("Acme Telecom", company.Name);
        Assert.Equal("crm-1001", company.ExternalReference);

        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyRegistered", "BillingArrangementChanged"], events.Select(e => e.Name));
        var registered = events[0].As<CompanyRegistered>();
        Assert.Equal((company.Id, "Acme Telecom", "crm-1001"), (registered.CompanyId, registered.Name, registered.ExternalReference));
        var arrangement = events[1].As<BillingArrangementChanged>();
        Assert.Equal((company.Id, AccountKind.Company, company.Id, accounts.Clock.GetUtcNow(), 1L),
            (arrangement.CompanyId, arrangement.PayerKind, arrangement.PayerId, arrangement.EffectiveFrom, arrangement.Version));
    }

    [Fact]
    public async Task A_duplicate_external_reference_is_a_409_and_changes_nothing()
    {
        var reference = $"crm-{Guid.NewGuid():N}";
        await accounts.RegisterCompanyAsync(reference: reference);
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PostAsJsonAsync("/companies", new RegisterCompany("Another", reference, null), Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reference, await response.Content.ReadAsStringAsync(Cancel));
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
        Assert.Equal(1, await accounts.Database.ScalarAsync<long>($"SELECT count(*) FROM companies WHERE external_reference = '{reference}'"));
    }

    [Fact]
    public async Task An_empty_name_is_a_400_naming_the_field()
    {
        var mark = await accounts.Database.MarkAsync();

        var response = await accounts.Staff.PostAsync("/companies", new StringContent("""{"name":""}""", Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateObject(), e => e.Name.Equals("name", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
    }

    [Fact]
    public async Task An_unknown_organization_at_registration_is_a_400_naming_the_field()
    {
        var response = await accounts.Staff.PostAsJsonAsync("/companies", new RegisterCompany("Lost", null, Guid.NewGuid()), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("organizationId", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_company_registered_into_an_organization_is_billed_through_it_at_once()
    {
        var organization = await accounts.CreateOrganizationAsync();
        var mark = await accounts.Database.MarkAsync();

        var company = await accounts.RegisterCompanyAsync(organizationId: organization.Id);

        Assert.Equal(organization.Id, company.OrganizationId);
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyRegistered", "CompanyJoinedOrganization", "BillingArrangementChanged"], events.Select(e => e.Name));
        var arrangement = events[2].As<BillingArrangementChanged>();
        Assert.Equal((AccountKind.Organization, organization.Id, accounts.Clock.GetUtcNow()), (arrangement.PayerKind, arrangement.PayerId, arrangement.EffectiveFrom));
    }

    [Fact]
    public async Task A_customer_user_cannot_register_a_company()
    {
        var response = await accounts.Client(TestTokens.Customer("mallory")).PostAsJsonAsync("/companies", new RegisterCompany("Mine", null, null), Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_member_reads_their_company_and_another_customer_gets_404_as_for_a_company_that_does_not_exist()
    {
        var company = await accounts.RegisterCompanyAsync();
        await accounts.AddMemberAsync("companies", company.Id, "carol", MemberRole.Member);

        var asMember = await accounts.Client(TestTokens.Customer("carol")).GetAsync($"/companies/{company.Id}", Cancel);
        var asStranger = await accounts.Client(TestTokens.Customer("dave")).GetAsync($"/companies/{company.Id}", Cancel);
        var missing = await accounts.Client(TestTokens.Customer("dave")).GetAsync($"/companies/{Guid.NewGuid()}", Cancel);

        Assert.Equal(HttpStatusCode.OK, asMember.StatusCode);
        Assert.Equal(company.Id, (await asMember.Content.ReadFromJsonAsync<CompanyResponse>(Cancel))!.Id);
        Assert.Equal(HttpStatusCode.NotFound, asStranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(Cancel) is { Length: > 0 }, await asStranger.Content.ReadAsStringAsync(Cancel) is { Length: > 0 });
    }

    [Fact]
    public async Task The_list_searches_by_name_pages_and_shows_customers_only_their_companies()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = await accounts.RegisterCompanyAsync($"Zeta {tag} One");
        await accounts.RegisterCompanyAsync($"Zeta {tag} Two");
        await accounts.RegisterCompanyAsync($"Zeta {tag} Three");
        await accounts.AddMemberAsync("companies", first.Id, $"erin-{tag}", MemberRole.Billing);

        var page1 = await accounts.Staff.GetFromJsonAsync<ListPage<CompanyResponse>>($"/companies?search=zeta%20{tag}&pageSize=2", Cancel);
        var page2 = await accounts.Staff.GetFromJsonAsync<ListPage<CompanyResponse>>($"/companies?search=zeta%20{tag}&pageSize=2&page=2", Cancel);
        var mine = await accounts.Client(TestTokens.Customer($"erin-{tag}")).GetFromJsonAsync<ListPage<CompanyResponse>>("/companies", Cancel);

        Assert.Equal(3, page1!.Total);
        Assert.Equal([$"Zeta {tag} One", $"Zeta {tag} Three"], page1.Items.Select(c => c.Name));
        Assert.Equal([$"Zeta {tag} Two"], page2!.Items.Select(c => c.Name));
        Assert.Equal([first.Id], mine!.Items.Select(c => c.Id));
    }

    [Fact]
    public async Task A_page_size_over_100_is_a_400_naming_the_field()
    {
        var response = await accounts.Staff.GetAsync("/companies?pageSize=1000", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pageSize", await response.Content.ReadAsStringAsync(Cancel), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Renaming_announces_the_new_name_once()
    {
        var company = await accounts.RegisterCompanyAsync("Old name");
        var mark = await accounts.Database.MarkAsync();

        var renamed = await accounts.Staff.PatchAsJsonAsync($"/companies/{company.Id}", new RenameCompany("New name"), Cancel);
        var again = await accounts.Staff.PatchAsJsonAsync($"/companies/{company.Id}", new RenameCompany("New name"), Cancel);

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("New name", (await accounts.Staff.GetFromJsonAsync<CompanyResponse>($"/companies/{company.Id}", Cancel))!.Name);
        var events = await accounts.Database.EventsSinceAsync(mark);
        Assert.Equal(["CompanyRenamed"], events.Select(e => e.Name));
        Assert.Equal("New name", events[0].As<CompanyRenamed>().Name);
    }

    [Fact]
    public async Task Renaming_an_unknown_company_is_a_404()
    {
        var response = await accounts.Staff.PatchAsJsonAsync($"/companies/{Guid.NewGuid()}", new RenameCompany("Ghost"), Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Registered_companies_reach_subscribers_on_the_bus()
    {
        var received = new TaskCompletionSource<CompanyRegistered>(TaskCreationOptions.RunContinuationsAsynchronously);
        var name = $"Bus {Guid.NewGuid():N}";
        var subscriber = Bus.Factory.CreateUsingRabbitMq(bus =>
        {
            bus.Host(accounts.Broker.Amqp);
            bus.ReceiveEndpoint($"test-subscriber-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Handler<CompanyRegistered>(context =>
                {
                    if (context.Message.Name == name)
                    {
                        received.TrySetResult(context.Message);
                    }

                    return Task.CompletedTask;
                });
            });
        });
        await subscriber.StartAsync(Cancel);
        try
        {
            var company = await accounts.RegisterCompanyAsync(name);

            var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            Assert.Equal(company.Id, message.CompanyId);
        }
        finally
        {
            await subscriber.StopAsync(CancellationToken.None);
        }
    }
}
