using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cic.ServiceDefaults.Messaging;
using Cic.Testing;
using RabbitMQ.Client;

namespace Cic.Usage.Tests;

/// <summary>
/// On-call's way back from a poison message: the call is refused while its cause lasts, shows in the error queue (and
/// turns the service Degraded), is inspected and replayed through the staff API once the cause is fixed, and is
/// counted once, however often it is replayed.
/// </summary>
public sealed class ErrorQueueReplayTests(UsageFixture usage) : IClassFixture<UsageFixture>
{
    private const string ErrorQueue = "usage-call-handled_error";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Staff => usage.Host.Client(TestTokens.Staff("on-call-olga"));

    [Fact]
    public async Task A_call_refused_while_its_cause_lasts_is_replayed_after_the_fix_and_counted_once()
    {
        var company = Guid.NewGuid();
        var handledAt = DateTimeOffset.UtcNow.AddHours(-1);
        // The cause: the database refuses this company's calls (as a data error, so the message is refused, not retried).
        await usage.Database.ScalarAsync<int>($$"""
            CREATE FUNCTION refuse_{{company:N}}() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              IF NEW.company_id = '{{company}}' THEN
                RAISE EXCEPTION 'calls of company % are refused for now', NEW.company_id USING ERRCODE = '22023';
              END IF;
              RETURN NEW;
            END $f$;
            CREATE TRIGGER refuse_{{company:N}} BEFORE INSERT ON calls FOR EACH ROW EXECUTE FUNCTION refuse_{{company:N}}();
            SELECT 1;
            """);
        await using var plain = await CallPublisher.ConnectAsync(usage.Broker);
        var body = CallPublisher.CallJson("replay-pbx", "replayed-1", company, handledAt);
        await plain.PublishCallAsync(body);

        // On-call sees it: the error queue's depth, the service Degraded naming the queue, and the message with its reason.
        await Eventually.IsTrue(async () => await DepthAsync() == 1, "the refused call to reach the error queue");
        var degraded = await Eventually.Returns(HealthAsync, h => h.Status == "Degraded", "Usage to report Degraded");
        Assert.Contains(ErrorQueue, degraded.Reasons["pipeline"], StringComparison.Ordinal);
        var failed = Assert.Single(await MessagesAsync());
        Assert.StartsWith("the database refused its calls", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(body, failed.Body);
        Assert.NotNull(failed.FailedAt);
        Assert.Equal(0, await usage.StoredCallsAsync(company));

        // The fix, then the replay of that message.
        await usage.Database.ScalarAsync<int>($"DROP TRIGGER refuse_{company:N} ON calls; DROP FUNCTION refuse_{company:N}(); SELECT 1;");
        var replay = await ReplayAsync(new ReplayRequest([failed.Id]));
        Assert.Equal([failed.Id], replay.Replayed);
        Assert.Empty(replay.NotFound);

        await usage.WaitForStoredCallsAsync(company, 1);
        await Eventually.IsTrue(async () => await DepthAsync() == 0, "the error queue to be empty");
        await Eventually.Returns(HealthAsync, h => h.Status == "Healthy", "Usage to report Healthy again");

        // The same message replayed again (a copy left in the error queue, as a crash between send and acknowledge
        // would leave): stored already, so nothing is counted twice. A later call proves the replay was consumed.
        await PublishToErrorQueueAsync(body);
        await Eventually.IsTrue(async () => await DepthAsync() == 1, "the copy to be in the error queue");
        Assert.Equal([failed.Id], (await ReplayAsync(new ReplayRequest(null, All: true))).Replayed);
        await plain.PublishCallAsync(CallPublisher.CallJson("replay-pbx", "after-replay", company, handledAt));
        await usage.WaitForStoredCallsAsync(company, 2);
        Assert.Equal(1, await usage.Database.ScalarAsync<long>($"SELECT count(*) FROM calls WHERE company_id = '{company}' AND call_id = 'replayed-1'"));
        await Eventually.IsTrue(async () => await usage.TalliedCallsAsync(company) == 2, "the company's tally to be 2 calls");
        Assert.Equal(0, await DepthAsync());
    }

    [Fact]
    public async Task Only_the_services_error_queues_can_be_read_or_replayed_and_only_by_staff()
    {
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await Staff.GetAsync("/error-queues/billing-usage-tallied_error/messages", Ct)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await Staff.PostAsJsonAsync("/error-queues/usage-call-handled/replay", new ReplayRequest(null, true), Ct)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await Staff.PostAsJsonAsync($"/error-queues/{ErrorQueue}/replay", new ReplayRequest(null), Ct)).StatusCode);
        var customer = usage.Host.Client(TestTokens.Customer("someone"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await customer.GetAsync("/error-queues", Ct)).StatusCode);
        var queues = await Staff.GetFromJsonAsync<List<ErrorQueueResponse>>("/error-queues", Ct);
        Assert.Contains(queues!, q => q.Queue == ErrorQueue);
        Assert.Contains(queues!, q => q.Queue == "usage-calls-handled_error");
    }

    private async Task<long> DepthAsync() =>
        (await Staff.GetFromJsonAsync<List<ErrorQueueResponse>>("/error-queues", Ct))!.Single(q => q.Queue == ErrorQueue).Depth;

    private async Task<List<FailedMessage>> MessagesAsync() =>
        (await Staff.GetFromJsonAsync<List<FailedMessage>>($"/error-queues/{ErrorQueue}/messages", Ct))!;

    private async Task<ReplayResult> ReplayAsync(ReplayRequest request)
    {
        var response = await Staff.PostAsJsonAsync($"/error-queues/{ErrorQueue}/replay", request, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ReplayResult>(Ct))!;
    }

    private async Task<Health> HealthAsync()
    {
        using var response = await usage.Host.Client(null).GetAsync("/health", Ct);
        return JsonSerializer.Deserialize<Health>(await response.Content.ReadAsStringAsync(Ct), JsonSerializerOptions.Web)!;
    }

    private async Task PublishToErrorQueueAsync(string body)
    {
        await using var connection = await new ConnectionFactory { Uri = usage.Broker.Amqp }.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await channel.BasicPublishAsync(ErrorQueue, "", true, new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent }, Encoding.UTF8.GetBytes(body), Ct);
    }

    private sealed record Health(string Status, Dictionary<string, string> Checks, Dictionary<string, string> Reasons);
}
