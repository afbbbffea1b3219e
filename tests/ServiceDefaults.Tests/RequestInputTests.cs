using System.Net;
using System.Text;
using System.Text.Json;
using Cic.Testing;

namespace Cic.ServiceDefaults.Tests;

/// <summary>Unreadable and hostile input answers a 400 naming the field, without a stack trace, in Production.</summary>
public sealed class ProductionRequestInputTests(ProductionLedger ledger) : RequestInputTests(ledger), IClassFixture<ProductionLedger>;

/// <summary>The same in Development, where the developer exception page would otherwise answer.</summary>
public sealed class DevelopmentRequestInputTests(DevelopmentLedger ledger) : RequestInputTests(ledger), IClassFixture<DevelopmentLedger>;

public abstract class RequestInputTests(HttpLedger ledger)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unreadable_bodies_are_the_clients_mistake_and_are_not_logged_as_errors()
    {
        using var client = ledger.Client(TestTokens.Staff());
        var before = ledger.Logs.Entries.Count;

        await BadRequestAsync(await client.PostAsync("/entries", Json("{not json"), Cancel));
        await BadRequestAsync(await client.PostAsync("/entries", Json("""{"note": 123, "amount": 10}"""), Cancel));

        Assert.DoesNotContain(ledger.Logs.Entries.Skip(before), e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Theory]
    [InlineData("""{"note": 123, "amount": 10}""", "note")]
    [InlineData("""{"note": "lunch", "amount": "ten"}""", "amount")]
    [InlineData("""{"note": "lunch", "amount": 1.5}""", "amount")]
    public async Task A_body_field_of_the_wrong_type_is_a_400_naming_it(string body, string field)
    {
        using var client = ledger.Client(TestTokens.Staff());
        var before = await ledger.CountEntriesAsync();

        var problem = await BadRequestAsync(await client.PostAsync("/entries", Json(body), Cancel));

        AssertNames(problem, field);
        Assert.Equal(before, await ledger.CountEntriesAsync());
    }

    [Fact]
    public async Task A_nested_value_of_the_wrong_type_is_named_by_its_json_path()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.PutAsync("/entries/tags", Json("""{"tags": {"invoice-issued": {"email": "yes"}}}"""), Cancel);

        AssertNames(await BadRequestAsync(response), "tags.invoice-issued.email");
    }

    [Theory]
    [InlineData("\u0000")]
    [InlineData("\u0007")]
    [InlineData("\n")]
    [InlineData("\u009b")]
    public async Task A_body_string_with_a_control_character_is_a_400_naming_the_field_and_nothing_is_stored(string character)
    {
        using var client = ledger.Client(TestTokens.Staff());
        var before = await ledger.CountEntriesAsync();
        var body = "{\"note\": \"lun" + JsonEscaped(character) + "ch\", \"amount\": 10}";

        var problem = await BadRequestAsync(await client.PostAsync("/entries", Json(body), Cancel));

        AssertNames(problem, "note");
        Assert.Equal(before, await ledger.CountEntriesAsync());
    }

    [Fact]
    public async Task A_dictionary_key_with_a_nul_is_a_400()
    {
        using var client = ledger.Client(TestTokens.Staff());

        var response = await client.PutAsync("/entries/tags", Json("""{"tags": {"bad\u0000key": {"email": true}}}"""), Cancel);

        await BadRequestAsync(response);
    }

    [Theory]
    [InlineData("/entries?pageSize=abc", "pageSize")]
    [InlineData("/entries?after=not-a-uuid", "after")]
    public async Task A_query_value_that_does_not_parse_is_a_400_naming_it(string path, string field)
    {
        using var client = ledger.Client(TestTokens.Staff());

        AssertNames(await BadRequestAsync(await client.GetAsync(path, Cancel)), field);
    }

    [Theory]
    [InlineData("/entries/by-note/lun%01ch", "note")]
    [InlineData("/entries?pageSize=5&search=a%00b", "search")]
    public async Task A_route_or_query_value_with_a_control_character_is_a_400_naming_it(string path, string field)
    {
        using var client = ledger.Client(TestTokens.Staff());

        AssertNames(await BadRequestAsync(await client.GetAsync(path, Cancel)), field);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_400_naming_the_body()
    {
        using var client = ledger.Client(TestTokens.Staff());

        AssertNames(await BadRequestAsync(await client.PostAsync("/entries", Json("{\"note\": \"lunch\", "), Cancel)), "body");
    }

    private static string JsonEscaped(string text) => string.Concat(text.Select(c => $"\\u{(int)c:x4}"));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static void AssertNames(JsonElement problem, string field) =>
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());

    /// <summary>A 400 problem that names at least one field and carries no exception details.</summary>
    private static async Task<JsonElement> BadRequestAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.False(problem.TryGetProperty("exception", out _), body);
        Assert.DoesNotContain("Exception", problem.GetProperty("title").GetString() ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), body);
        return problem;
    }
}
