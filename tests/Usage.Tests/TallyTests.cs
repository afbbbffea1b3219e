using System.Text.Json;
using Cic.Contracts.Calls;
using Cic.Testing;

namespace Cic.Usage.Tests;

/// <summary>UsageTallied: published once a window has ended (and settled), republished with a higher revision when late calls change it.</summary>
public sealed class TallyTests(UsageFixture usage) : IClassFixture<UsageFixture>
{
    [Fact]
    public async Task A_late_call_after_the_window_was_published_yields_a_new_revision_with_the_new_absolute_count()
    {
        var company = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var endedWindow = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-3);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), now,
        [
            new HandledCall("ivr-eu", "t-1", company, endedWindow.AddMinutes(5), 1),
            new HandledCall("ivr-eu", "t-2", company, endedWindow.AddMinutes(59), 1),
            new HandledCall("ivr-eu", "t-now", company, now, 1),
        ]), TestContext.Current.CancellationToken);

        var first = await Eventually.Returns(() => TalliesOf(company), t => t.Count >= 1, "the ended window to be published");
        Assert.Equal(new Tally(company, endedWindow, endedWindow.AddHours(1), 2, 1), Assert.Single(first));

        // A late call for the same, already published, window.
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow,
            [new HandledCall("ivr-eu", "t-late", company, endedWindow.AddMinutes(30), 1)]), TestContext.Current.CancellationToken);

        var both = await Eventually.Returns(() => TalliesOf(company), t => t.Count >= 2, "the window to be published again");
        Assert.Equal(new Tally(company, endedWindow, endedWindow.AddHours(1), 3, 2), both.MaxBy(t => t.Revision));

        // The current hour has not ended: it is counted but not published. Publication passes run
        // every 200 ms here; several have passed since the first publication.
        Assert.Equal(2, both.Count);
        Assert.Equal(4, await usage.TalliedCallsAsync(company));
        await Eventually.IsTrue(
            async () => await usage.Database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0,
            "the relay to publish the tallies to the broker");
    }

    [Fact]
    public async Task A_window_whose_count_did_not_change_is_not_published_again()
    {
        var company = Guid.NewGuid();
        var window = DateTimeOffset.UtcNow.AddHours(-5);
        var call = new HandledCall("ivr-eu", "unchanged", company, window, 1);
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [call]), TestContext.Current.CancellationToken);
        await Eventually.Returns(() => TalliesOf(company), t => t.Count == 1, "the window to be published");

        // The same call again changes no count, so no revision follows; a sentinel company shows passes have run.
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [call]), TestContext.Current.CancellationToken);
        var sentinel = Guid.NewGuid();
        await usage.Host.Bus.Publish(new CallsHandled(Guid.NewGuid(), DateTimeOffset.UtcNow, [new HandledCall("ivr-eu", "sentinel", sentinel, window, 1)]), TestContext.Current.CancellationToken);
        await Eventually.Returns(() => TalliesOf(sentinel), t => t.Count == 1, "the sentinel's window to be published");

        Assert.Single(await TalliesOf(company));
    }

    private async Task<List<Tally>> TalliesOf(Guid company)
    {
        var rows = await usage.Database.ScalarAsync<string>($"""
            SELECT coalesce(json_agg(body ORDER BY sequence), '[]')::text FROM outbox_messages
            WHERE message_type LIKE 'Cic.Contracts.Usage.UsageTallied,%' AND body->>'companyId' = '{company}'
            """);
        return JsonSerializer.Deserialize<List<Tally>>(rows!, JsonSerializerOptions.Web)!;
    }

    private sealed record Tally(Guid CompanyId, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long CallCount, int Revision);
}
