using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.Testing;
using Cic.Usage.CallHistory;
using Cic.Usage.Companies;
using Cic.Usage.Tallies;

namespace Cic.Usage.Tests;

/// <summary>The HTTP API: usage per period, call history, the CSV export, look-up, and who may read what.</summary>
public sealed class ApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly Guid A = ApiFixture.CompanyA;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    private HttpClient Staff => api.Usage.Host.Client(TestTokens.Staff());

    [Fact]
    public async Task The_usage_of_a_billing_cycle_is_the_total_of_its_month_and_is_split_by_day_and_hour()
    {
        var month = await Staff.GetFromJsonAsync<UsageReport>($"/companies/{A}/usage?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z&granularity=month", _cancel);
        Assert.Equal(6, month!.TotalCalls);
        Assert.Equal(new UsagePeriod(Utc("2025-03-01"), Utc("2025-04-01"), 6), Assert.Single(month.Periods));

        var days = await Staff.GetFromJsonAsync<UsageReport>($"/companies/{A}/usage?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z&granularity=day", _cancel);
        Assert.Equal(31, days!.Periods.Count);
        Assert.Equal(3, days.Periods[0].Calls);
        Assert.Equal(3, days.Periods[14].Calls);
        Assert.Equal(6, days.Periods.Sum(p => p.Calls));

        var hours = await Staff.GetFromJsonAsync<UsageReport>($"/companies/{A}/usage?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&granularity=hour", _cancel);
        Assert.Equal(24, hours!.Periods.Count);
        Assert.Equal([2L, 0, 0, 0, 0, 1], hours.Periods.Take(6).Select(p => p.Calls));
        Assert.Equal(3, hours.TotalCalls);

        var quarter = await Staff.GetFromJsonAsync<UsageReport>($"/companies/{A}/usage?from=2025-02-01T00:00:00Z&to=2025-05-01T00:00:00Z&granularity=month", _cancel);
        Assert.Equal([1L, 6, 1], quarter!.Periods.Select(p => p.Calls));
    }

    [Theory]
    [InlineData("granularity=week", "granularity")]
    [InlineData("from=2025-03-01T00:30:00Z&to=2025-03-02T00:00:00Z&granularity=hour", "from")]
    [InlineData("from=2025-03-01T00:00:00Z&to=2025-03-15T00:00:00Z&granularity=month", "to")]
    [InlineData("from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z&granularity=day", "to")]
    [InlineData("from=2024-01-01T00:00:00Z&to=2025-03-01T00:00:00Z&granularity=day", "to")]
    [InlineData("from=yesterday", "from")]
    public async Task A_bad_usage_query_is_a_problem_naming_the_field(string query, string field)
    {
        var response = await Staff.GetAsync($"/companies/{A}/usage?{query}", _cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(_cancel);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Call_history_pages_newest_first_through_every_call_exactly_once()
    {
        var seen = new List<CallRecord>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/companies/{A}/calls?limit=3" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await Staff.GetFromJsonAsync<CallPage>(url, _cancel);
            seen.AddRange(page!.Calls);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        var expected = ApiFixture.CallsOfA
            .OrderByDescending(c => c.HandledAt)
            .ThenByDescending(c => c.SourceSystem, StringComparer.Ordinal)
            .ThenByDescending(c => c.CallId, StringComparer.Ordinal)
            .Select(c => (c.SourceSystem, c.CallId, c.HandledAt))
            .ToList();
        Assert.Equal(expected, seen.Select(c => (c.SourceSystem, c.CallId, c.HandledAt)).ToList());
        Assert.All(seen, c => Assert.Equal(A, c.CompanyId));
    }

    [Fact]
    public async Task Call_history_filters_by_period_and_refuses_a_bad_cursor()
    {
        var march = await Staff.GetFromJsonAsync<CallPage>($"/companies/{A}/calls?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z", _cancel);
        Assert.Equal(6, march!.Calls.Count);
        Assert.Null(march.NextCursor);

        var bad = await Staff.GetAsync($"/companies/{A}/calls?cursor=not-a-cursor", _cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var tooMany = await Staff.GetAsync($"/companies/{A}/calls?limit=5000", _cancel);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("limit", await tooMany.Content.ReadAsStringAsync(_cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_export_streams_the_same_calls_for_disputes()
    {
        var response = await Staff.GetAsync($"/companies/{A}/calls/export?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z", _cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(_cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("source_system,call_id,company_id,handled_at,duration_ms,received_at", lines[0]);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith($"crm,a-5,{A},2025-03-15T12:59:59.999000Z,1000,", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith($"ivr-eu,\"a-4,\"\"quoted\"\"\",{A},", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_call_is_found_by_its_source_system_and_call_id()
    {
        var call = await Staff.GetFromJsonAsync<CallRecord>("/calls/ivr-us/a-1", _cancel);
        Assert.Equal(("ivr-us", "a-1", A, Utc("2025-03-01T00:10:00Z"), 1000L), (call!.SourceSystem, call.CallId, call.CompanyId, call.HandledAt, call.DurationMs));

        Assert.Equal(HttpStatusCode.NotFound, (await Staff.GetAsync("/calls/ivr-us/no-such-call", _cancel)).StatusCode);
    }

    [Theory]
    [InlineData("alice", true)]   // member of company A
    [InlineData("olga", true)]    // member of organization O, which company A belongs to
    [InlineData("carl", false)]   // member of another company
    [InlineData("gone", false)]   // was a member of company A, and was removed
    [InlineData("nobody", false)]
    public async Task Customers_read_only_companies_they_or_their_organization_are_members_of(string user, bool allowed)
    {
        using var client = api.Usage.Host.Client(TestTokens.Customer(user));
        var expected = allowed ? HttpStatusCode.OK : HttpStatusCode.NotFound;

        Assert.Equal(expected, (await client.GetAsync($"/companies/{A}/usage", _cancel)).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"/companies/{A}/calls", _cancel)).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"/companies/{A}/calls/export", _cancel)).StatusCode);
        Assert.Equal(expected, (await client.GetAsync("/calls/ivr-eu/a-1", _cancel)).StatusCode);
    }

    [Fact]
    public async Task Every_endpoint_needs_a_token()
    {
        using var anonymous = api.Usage.Host.Client(null);
        foreach (var url in new[] { $"/companies/{A}/usage", $"/companies/{A}/calls", $"/companies/{A}/calls/export", "/calls/ivr-eu/a-1", "/unknown-companies" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url, _cancel)).StatusCode);
        }
    }

    [Fact]
    public async Task Operators_see_companies_with_calls_that_accounts_never_registered()
    {
        var unknown = await Staff.GetFromJsonAsync<List<UnknownCompany>>("/unknown-companies", _cancel);
        var b = Assert.Single(unknown!, c => c.CompanyId == ApiFixture.CompanyB);
        Assert.Equal(2, b.Calls);
        Assert.DoesNotContain(unknown!, c => c.CompanyId == A);

        using var customer = api.Usage.Host.Client(TestTokens.Customer("alice"));
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/unknown-companies", _cancel)).StatusCode);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}
