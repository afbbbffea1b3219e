using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cic.Contracts.Calls;
using Cic.Testing;
using Cic.Usage.Sequences;

namespace Cic.Usage.Tests;

/// <summary>Calls that never arrived: a producer numbers its calls, Usage lists the numbers it has not seen and closes them when the calls come late.</summary>
public sealed class SequenceGapTests(UsageFixture usage) : IClassFixture<UsageFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Staff => usage.Host.Client(TestTokens.Staff());

    [Fact]
    public async Task A_missing_range_is_detected_listed_and_closed_when_the_calls_arrive_late()
    {
        var source = $"ivr-seq-{Guid.NewGuid():N}"[..20];
        var company = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        start = new DateTimeOffset(start.Ticks - (start.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        HandledCall Numbered(long n) => new(source, $"call-{n}", company, start.AddSeconds(n), 1000, n);

        // 1–5 and 9–10 arrive (in two messages, out of order); 6–8 were lost on the way.
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [Numbered(9), Numbered(10)]), Ct);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [.. Enumerable.Range(1, 5).Select(n => Numbered(n))]), Ct);
        await usage.WaitForStoredCallsAsync(company, 7);

        var gap = Assert.Single(await Eventually.Returns(() => GapsAsync(source), g => g.Count == 1 && g[0].FirstMissing == 6, "the gap 6–8 to be listed"));
        Assert.Equal((source, 6L, 8L, 3L, start.AddSeconds(5), start.AddSeconds(9), (DateTimeOffset?)null),
            (gap.SourceSystem, gap.FirstMissing, gap.LastMissing, gap.Missing, gap.BeforeHandledAt, gap.AfterHandledAt, gap.ClosedAt));
        Assert.Equal(7, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM calls WHERE source_system = '{source}' AND sequence IS NOT NULL"));

        // 7 arrives late as plain JSON: 6 and 8 are still missing.
        await using (var publisher = await CallPublisher.ConnectAsync(usage.Broker))
        {
            await publisher.PublishCallAsync(JsonSerializer.Serialize(new
            {
                eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, sourceSystem = source, callId = "call-7", companyId = company,
                handledAt = start.AddSeconds(7), durationMs = 1000, sequence = 7,
            }));
        }

        var split = await Eventually.Returns(() => GapsAsync(source), g => g.Count == 2, "the gap to split around 7");
        Assert.Equal([(6L, 6L), (8L, 8L)], split.Select(g => (g.FirstMissing, g.LastMissing)));

        // 6 and 8 arrive: nothing is missing any more; the closed gaps remain listed as closed.
        await usage.Host.Bus.Publish(new CallHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, source, "call-6", company, start.AddSeconds(6), 1000, 6), Ct);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [Numbered(8)]), Ct);
        await Eventually.Returns(() => GapsAsync(source), g => g.Count == 0, "the gaps to close");
        var closed = (await Staff.GetFromJsonAsync<List<SequenceGapResponse>>($"/sequence-gaps?status=closed&sourceSystem={source}", Ct))!;
        Assert.Equal(2, closed.Count);
        Assert.All(closed, g => Assert.NotNull(g.ClosedAt));
        Assert.Equal(0, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM sequence_gaps WHERE source_system = '{source}' AND closed_at IS NULL"));
    }

    [Fact]
    public async Task One_batch_with_several_runs_and_a_repeated_number_opens_only_the_real_gap()
    {
        var source = $"ivr-runs-{Guid.NewGuid():N}"[..20];
        var company = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        start = new DateTimeOffset(start.Ticks - (start.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        HandledCall Numbered(long n, string? id = null) => new(source, id ?? $"call-{n}", company, start.AddSeconds(n), 1000, n);

        // Runs 1–3 and 7–8 in one message, 8 twice under two call ids (a producer's bug, both stored); 9–10 touch 7–8 from another message.
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow,
            [Numbered(8), Numbered(1), Numbered(2), Numbered(3), Numbered(7), Numbered(8, "call-8-again")]), Ct);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [Numbered(9), Numbered(10)]), Ct);
        await usage.WaitForStoredCallsAsync(company, 8);

        var gap = Assert.Single(await Eventually.Returns(() => GapsAsync(source), g => g.Count == 1, "the gap 4–6 to be listed"));
        Assert.Equal((4L, 6L, start.AddSeconds(3), start.AddSeconds(7)), (gap.FirstMissing, gap.LastMissing, gap.BeforeHandledAt, gap.AfterHandledAt));

        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [Numbered(5), Numbered(4), Numbered(6)]), Ct);
        await Eventually.Returns(() => GapsAsync(source), g => g.Count == 0, "the gap to close");
    }

    [Fact]
    public async Task Calls_without_sequence_numbers_track_nothing_and_bad_queries_name_the_field()
    {
        var source = $"ivr-plain-{Guid.NewGuid():N}"[..20];
        var company = Guid.NewGuid();
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow,
            [new HandledCall(source, "a", company, DateTimeOffset.UtcNow.AddMinutes(-5), 1), new HandledCall(source, "b", company, DateTimeOffset.UtcNow.AddMinutes(-4), 1)]), Ct);
        await usage.WaitForStoredCallsAsync(company, 2);

        Assert.Equal(0, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM sequence_arrivals WHERE source_system = '{source}'"));
        Assert.Equal(0, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM sequence_sources WHERE source_system = '{source}'"));
        var refused = await Staff.GetAsync("/sequence-gaps?status=maybe", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("status", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, (await usage.Host.Client(TestTokens.Customer("someone")).GetAsync("/sequence-gaps", Ct)).StatusCode);
    }

    private async Task<List<SequenceGapResponse>> GapsAsync(string source) =>
        (await Staff.GetFromJsonAsync<List<SequenceGapResponse>>($"/sequence-gaps?sourceSystem={source}", Ct))!;
}
