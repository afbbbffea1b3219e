using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.Contracts.Calls;
using Cic.Contracts.Usage;
using Cic.Testing;
using Cic.Usage.Anomalies;

namespace Cic.Usage.Tests;

/// <summary>Unusual usage: judged as tallies are published, stored and announced once, listed to staff until closed.</summary>
public sealed class UsageAnomalyTests(UsageFixture usage) : IClassFixture<UsageFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Staff => usage.Host.Client(TestTokens.Staff("staff-olga"));

    [Fact]
    public async Task A_spike_is_detected_once_listed_to_staff_and_closed()
    {
        var company = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var spikeHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-2);
        // A steady 2 calls an hour for the 26 hours before (a full 24-hour baseline and history before it), then 60.
        var calls = Enumerable.Range(1, 26)
            .SelectMany(h => new[] { Call(company, spikeHour.AddHours(-h).AddMinutes(10), $"base-{h}-a"), Call(company, spikeHour.AddHours(-h).AddMinutes(40), $"base-{h}-b") })
            .Concat(Enumerable.Range(0, 60).Select(i => Call(company, spikeHour.AddSeconds(i * 30), $"spike-{i}")))
            .ToList();
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), now, calls), Ct);

        var detected = Assert.Single(await Eventually.Returns(() => DetectedAsync(company), d => d.Count >= 1, "the spike to be detected"));
        Assert.Equal((company, spikeHour, spikeHour.AddHours(1), "spike", 60L, 2L, 24), (detected.CompanyId, detected.WindowStart, detected.WindowEnd, detected.Direction, detected.CallCount, detected.UsualCallsPerHour, detected.BaselineHours));

        var open = Assert.Single((await Staff.GetFromJsonAsync<List<UsageAnomalyResponse>>($"/usage-anomalies?companyId={company}", Ct))!);
        Assert.Equal((detected.AnomalyId, "spike", 60L, 2.0, (DateTimeOffset?)null), (open.Id, open.Direction, open.CallCount, open.UsualCallsPerHour, open.ClosedAt));

        // Late calls in the same hour publish a new revision of its tally but no second anomaly.
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [Call(company, spikeHour.AddMinutes(59), "late")]), Ct);
        await Eventually.IsTrue(
            async () => await usage.Database.ScalarAsync<int>($"SELECT revision FROM usage_windows WHERE company_id = '{company}' AND window_start = '{spikeHour:O}'") == 2,
            "the late call's revision to be published");
        Assert.Single(await DetectedAsync(company));
        Assert.Equal(1, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM usage_anomalies WHERE company_id = '{company}'"));

        var closed = await Staff.PostAsync($"/usage-anomalies/{open.Id}/close", null, Ct);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.Equal("staff-olga", (await closed.Content.ReadFromJsonAsync<UsageAnomalyResponse>(Ct))!.ClosedBy);
        Assert.Empty((await Staff.GetFromJsonAsync<List<UsageAnomalyResponse>>($"/usage-anomalies?companyId={company}", Ct))!);
        Assert.Single((await Staff.GetFromJsonAsync<List<UsageAnomalyResponse>>($"/usage-anomalies?companyId={company}&status=closed", Ct))!);
    }

    [Fact]
    public async Task A_company_without_history_or_with_a_steady_pattern_has_no_anomaly_and_bad_queries_name_the_field()
    {
        var newcomer = Guid.NewGuid();
        var hour = DateTimeOffset.UtcNow.AddHours(-3);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow,
            [.. Enumerable.Range(0, 80).Select(i => Call(newcomer, hour, $"new-{i}"))]), Ct);
        await Eventually.IsTrue(
            async () => await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM usage_windows WHERE company_id = '{newcomer}' AND revision > 0") == 1,
            "the newcomer's hour to be published");
        Assert.Empty(await DetectedAsync(newcomer));

        var refused = await Staff.GetAsync("/usage-anomalies?status=sometimes", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("status", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await usage.Host.Client(TestTokens.Customer("someone")).GetAsync("/usage-anomalies", Ct)).StatusCode);
    }

    private static HandledCall Call(Guid company, DateTimeOffset at, string id) => new("ivr-anomaly", $"{company:N}-{id}", company, at, 1);

    private async Task<List<UnusualUsageDetected>> DetectedAsync(Guid company)
    {
        var rows = await usage.Database.ScalarAsync<string>($"""
            SELECT coalesce(json_agg(body ORDER BY sequence), '[]')::text FROM outbox_messages
            WHERE message_type LIKE 'Cic.Contracts.Usage.UnusualUsageDetected,%' AND body->>'companyId' = '{company}'
            """);
        return JsonSerializer.Deserialize<List<UnusualUsageDetected>>(rows!, JsonSerializerOptions.Web)!;
    }
}
