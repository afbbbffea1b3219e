using System.Net;
using System.Text;
using System.Text.Json;
using Cic.Testing;

namespace Cic.Accounts.Tests;

/// <summary>Strings with control characters and values of the wrong type: a 400 naming the field, and nothing stored.</summary>
[Collection(nameof(AccountsService))]
public sealed class HostileInputTests(AccountsFixture accounts)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Nul = "\\u0000";

    [Theory]
    [InlineData("POST", "/companies", $$"""{"name": "Acme{{Nul}}"}""", "name")]
    [InlineData("POST", "/companies", $$"""{"name": "Acme", "externalReference": "crm{{Nul}}1"}""", "externalReference")]
    [InlineData("PATCH", "/companies/{company}", $$"""{"name": "Acme{{Nul}}"}""", "name")]
    [InlineData("POST", "/companies/{company}/members", $$"""{"userId": "u{{Nul}}1", "email": "a@example.com", "displayName": "A", "role": "Member"}""", "userId")]
    [InlineData("POST", "/companies/{company}/members", $$"""{"userId": "u1", "email": "a{{Nul}}@example.com", "displayName": "A", "role": "Member"}""", "email")]
    [InlineData("POST", "/companies/{company}/members", $$"""{"userId": "u1", "email": "a@example.com", "displayName": "A{{Nul}}", "role": "Member"}""", "displayName")]
    [InlineData("POST", "/organizations", $$"""{"name": "Group{{Nul}}"}""", "name")]
    [InlineData("POST", "/organizations/{organization}/members", $$"""{"userId": "u{{Nul}}1", "email": "a@example.com", "displayName": "A", "role": "Owner"}""", "userId")]
    [InlineData("POST", "/organizations/{organization}/members", $$"""{"userId": "u1", "email": "a{{Nul}}@example.com", "displayName": "A", "role": "Owner"}""", "email")]
    [InlineData("POST", "/organizations/{organization}/members", $$"""{"userId": "u1", "email": "a@example.com", "displayName": "A{{Nul}}", "role": "Owner"}""", "displayName")]
    [InlineData("POST", "/companies", """{"name": 123}""", "name")]
    [InlineData("POST", "/companies", """{"name": "Acme", "organizationId": "not-a-uuid"}""", "organizationId")]
    [InlineData("POST", "/companies/{company}/members", """{"userId": "u1", "email": "a@example.com", "displayName": "A", "role": "Emperor"}""", "role")]
    [InlineData("POST", "/organizations/{organization}/members", """{"userId": "u1", "email": "a@example.com", "displayName": "A", "role": 7}""", "role")]
    public async Task A_body_with_a_nul_or_a_value_of_the_wrong_type_is_a_400_naming_the_field_and_stores_nothing(
        string method, string path, string body, string field)
    {
        var company = await accounts.RegisterCompanyAsync();
        var organization = await accounts.CreateOrganizationAsync();
        var rows = await RowsAsync();
        var mark = await accounts.Database.MarkAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{company}", company.Id.ToString()).Replace("{organization}", organization.Id.ToString()))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        var response = await accounts.Staff.SendAsync(request, Cancel);

        await AssertNamesAsync(response, field);
        Assert.Empty(await accounts.Database.EventsSinceAsync(mark));
        Assert.Equal(rows, await RowsAsync());
        Assert.Equal(company.Name, await accounts.Database.ScalarAsync<string>($"SELECT name FROM companies WHERE id = '{company.Id}'"));
    }

    [Theory]
    [InlineData("/companies?pageSize=abc", "pageSize")]
    [InlineData("/companies?page=1.5", "page")]
    [InlineData("/companies?search=a%00b", "search")]
    public async Task A_query_or_route_value_that_does_not_parse_or_holds_a_nul_is_a_400_naming_it(string path, string field)
    {
        var response = await accounts.Staff.GetAsync(path, Cancel);

        await AssertNamesAsync(response, field);
    }

    [Fact]
    public async Task Removing_a_member_whose_id_holds_a_control_character_is_a_400_naming_it()
    {
        var company = await accounts.RegisterCompanyAsync();

        var response = await accounts.Staff.DeleteAsync($"/companies/{company.Id}/members/u%011", Cancel);

        await AssertNamesAsync(response, "userId");
    }

    private Task<long> RowsAsync() => accounts.Database.ScalarAsync<long>(
        "SELECT (SELECT count(*) FROM companies) + (SELECT count(*) FROM organizations) + (SELECT count(*) FROM members)");

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), text);
        Assert.False(problem.TryGetProperty("exception", out _), text);
    }
}
