using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cic.ServiceDefaults.Tests.Ledger;
using Cic.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cic.ServiceDefaults.Tests;

/// <summary>One ledger app in Production, shared by the HTTP tests of a class.</summary>
public sealed class ProductionLedger() : HttpLedger("Production");

/// <summary>One ledger app in Development (developer exception page on), shared by the HTTP tests of a class.</summary>
public sealed class DevelopmentLedger() : HttpLedger("Development");

/// <summary>One ledger app in an environment, shared by the HTTP tests of a class.</summary>
public abstract class HttpLedger(string environment) : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;

    public WebApplication App { get; private set; } = null!;

    /// <summary>Everything the app logged at Information and above.</summary>
    public CapturedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("http");
        _broker = await servers.CreateVirtualHostAsync("http");
        App = LedgerApp.Build(_database.ConnectionString, _broker.Amqp, environment, services: s => s.AddSingleton<ILoggerProvider>(Logs));
        await App.StartHealthyAsync();
    }

    public HttpClient Client(string? token)
    {
        var client = App.GetTestClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<long> CountEntriesAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<LedgerDb>().Entries.LongCount();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>What every service's HTTP surface does by default: tokens, problem details, health.</summary>
public sealed class HttpDefaultsTests(ProductionLedger ledger) : IClassFixture<ProductionLedger>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_without_a_token_gets_a_401_problem()
    {
        using var client = ledger.Client(token: null);

        var response = await client.PostAsJsonAsync("/entries", new NewEntry("x", 1), Cancel);

        var problem = await ProblemOf(response, HttpStatusCode.Unauthorized);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, await CountEntriesAsync());
    }

    [Fact]
    public async Task A_token_signed_with_another_key_gets_a_401_problem()
    {
        using var client = ledger.Client(TestTokens.Staff()[..^4] + "AAAA");

        var response = await client.GetAsync("/staff-only", Cancel);

        await ProblemOf(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_body_with_a_value_of_the_wrong_type_gets_a_400_problem_naming_the_field()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.PostAsync("/entries", Json("""{"note":"lunch","amount":"twelve"}"""), Cancel);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _), problem.ToString());
        Assert.Equal(0, await CountEntriesAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_a_400_problem()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.PostAsync("/entries", Json("{\"note\": \"lunch\", "), Cancel);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), problem.ToString());
    }

    [Fact]
    public async Task Values_that_break_the_rules_get_a_400_validation_problem_naming_each_field()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.PostAsync("/entries", Json("""{"note":"","amount":5000}"""), Cancel);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name.ToLowerInvariant()).ToList();
        Assert.Contains("note", fields);
        Assert.Contains("amount", fields);
        Assert.Equal(0, await CountEntriesAsync());
    }

    [Fact]
    public async Task A_customer_calling_a_staff_endpoint_gets_a_403_problem()
    {
        using var client = ledger.Client(TestTokens.Customer("user-1"));

        var response = await client.GetAsync("/staff-only", Cancel);

        await ProblemOf(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Staff_may_call_a_staff_endpoint()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.GetAsync("/staff-only", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_unhandled_exception_gets_a_500_problem_that_reveals_no_internals_outside_development()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.GetAsync("/broken", Cancel);

        var problem = await ProblemOf(response, HttpStatusCode.InternalServerError);
        var text = problem.ToString();
        Assert.DoesNotContain("secret internals", text);
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.DoesNotContain(" at ", text);
        Assert.True(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task An_unknown_path_gets_a_404_problem()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.GetAsync($"/entries/{Guid.NewGuid()}", Cancel);

        await ProblemOf(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Health_and_liveness_answer_without_a_token_and_report_the_database_and_the_bus()
    {
        using var client = ledger.Client(token: null);

        var alive = await client.GetAsync("/alive", Cancel);
        var health = await client.GetAsync("/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Cancel));
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetString());
        Assert.Equal("Healthy", checks.GetProperty("masstransit-bus").GetString());
    }

    [Fact]
    public async Task The_api_reference_is_not_served_outside_development()
    {
        using var client = ledger.Client(token: null);

        var response = await client.GetAsync("/openapi/v1.json", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<long> CountEntriesAsync()
    {
        await using var scope = ledger.App.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<LedgerDb>().Entries.LongCount();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary>In Development the OpenAPI document and the browsable reference are served, without a token.</summary>
public sealed class DevelopmentApiReferenceTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;
    private WebApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("openapi");
        _broker = await servers.CreateVirtualHostAsync("openapi");
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp, environment: "Development");
        await _app.StartHealthyAsync();
    }

    [Fact]
    public async Task The_openapi_document_describes_the_endpoints_and_the_bearer_scheme()
    {
        using var client = _app.GetTestClient();

        var document = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var reference = await client.GetAsync("/scalar/", TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(document);
        Assert.True(json.RootElement.GetProperty("paths").TryGetProperty("/entries", out _));
        Assert.Equal("bearer", json.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);

        // What a generated client relies on: camelCase query names, the token and its 401 as a problem, integers as integers.
        var list = json.RootElement.GetProperty("paths").GetProperty("/entries").GetProperty("get");
        Assert.Equal(["after", "pageSize"], list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order());
        Assert.True(list.GetProperty("security")[0].TryGetProperty("Bearer", out _), list.ToString());
        Assert.True(list.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(list.GetProperty("responses").GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var health = json.RootElement.GetProperty("paths").TryGetProperty("/health", out var healthPath) ? healthPath : default;
        Assert.True(health.ValueKind == JsonValueKind.Undefined || !health.GetProperty("get").GetProperty("responses").TryGetProperty("401", out _));
        var amount = json.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("NewEntry").GetProperty("properties").GetProperty("amount");
        Assert.Equal("integer", amount.GetProperty("type").GetString());
        if (json.RootElement.TryGetProperty("servers", out var servers))
        {
            Assert.DoesNotContain(servers.EnumerateArray(), server => server.GetProperty("url").GetString()!.EndsWith('/'));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }
}
