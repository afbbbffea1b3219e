using System.Globalization;
using System.Net;
using Cic.EndToEnd.Tests.Actors;
using Cic.EndToEnd.Tests.Platform;
using Cic.Testing;

namespace Cic.EndToEnd.Tests.Stories;

/// <summary>Story 7: "Disputes about call counts → check the portal's call history".</summary>
public sealed class DisputedCallStory(RunningPlatform platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_disputed_call_is_found_in_the_call_history_and_the_csv_export()
    {
        var staff = platform.Staff;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var company = await staff.Accounts.RegisterCompanyAsync($"Disputing Dentists {tag}", cancellationToken: Ct);
        var userId = $"auth0|dora-{tag}";
        await staff.Accounts.AddMemberAsync("companies", company.Id, userId, $"dora-{tag}@dentists.test", "Dora Dentist", "Member", Ct);

        // The call-handling system reports the calls it handled for the company during the last hour.
        var hour = CallTimes.PreviousHour();
        await using var ivr = platform.CallHandlingSystem($"ivr-{tag}");
        var calls = ivr.Calls(company.Id, hour, 120, "call");
        await ivr.PublishAsync(calls, Ct);

        // The customer disputes one of them: "we never had a call at that time".
        var disputed = calls[77];
        using var dora = platform.Customer(userId);
        var usage = await Eventually.Returns(
            async () => await PortalSteps.UntilFoundAsync(() => dora.Usage.UsageAsync(company.Id, hour, hour.AddHours(1), "hour", Ct), "the company's usage for Dora"),
            u => u.TotalCalls == calls.Count, $"the hour's usage to count all {calls.Count} calls", PortalSteps.Patience);
        Assert.Equal(calls.Count, Assert.Single(usage.Periods).Calls);

        // Looked up by its id: the platform's record of it, the evidence for the dispute.
        var record = await dora.Usage.CallAsync(disputed.SourceSystem, disputed.CallId, Ct);
        Assert.Equal((company.Id, disputed.HandledAt, disputed.DurationMs), (record.CompanyId, record.HandledAt, record.DurationMs));

        // Found in the call history of the minute it was handled in, paging as the portal does.
        var minute = new DateTimeOffset(disputed.HandledAt.Year, disputed.HandledAt.Month, disputed.HandledAt.Day, disputed.HandledAt.Hour, disputed.HandledAt.Minute, 0, TimeSpan.Zero);
        var around = await dora.Usage.CallsAsync(company.Id, minute, minute.AddMinutes(1), limit: 100, cancellationToken: Ct);
        Assert.Contains(around.Calls, c => c.CallId == disputed.CallId && c.SourceSystem == disputed.SourceSystem);
        var seen = new List<CallRecord>();
        string? cursor = null;
        do
        {
            var page = await dora.Usage.CallsAsync(company.Id, hour, hour.AddHours(1), limit: 50, cursor: cursor, cancellationToken: Ct);
            seen.AddRange(page.Calls);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(calls.Select(c => c.CallId).OrderDescending(StringComparer.Ordinal), seen.Select(c => c.CallId));

        // And in the CSV export for the hour, the file handed to the customer.
        var csv = (await dora.Usage.ExportCsvAsync(company.Id, hour, hour.AddHours(1), Ct)).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal("source_system,call_id,company_id,handled_at,duration_ms,received_at", csv[0]);
        Assert.Equal(calls.Count, csv.Length - 1);
        var row = Assert.Single(csv, line => line.StartsWith($"{disputed.SourceSystem},{disputed.CallId},", StringComparison.Ordinal)).Split(',');
        Assert.Equal(company.Id.ToString(), row[2]);
        Assert.Equal(disputed.HandledAt, DateTimeOffset.Parse(row[3], CultureInfo.InvariantCulture));
        Assert.Equal(disputed.DurationMs.ToString(CultureInfo.InvariantCulture), row[4]);

        // Someone from another company cannot look at it.
        using var stranger = platform.Customer($"auth0|stranger-{tag}");
        var refused = await Assert.ThrowsAsync<ApiCallFailedException>(() => stranger.Usage.CallAsync(disputed.SourceSystem, disputed.CallId, Ct));
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
    }
}
