using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cic.AppHost.Commands;

/// <summary>The actions on-call engineers take from the dashboard's resource list.</summary>
internal static class OnCallCommands
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>
    /// Billing: "Reconcile with Stripe now" — what the hourly reconciliation does (every customer's cards and invoices
    /// re-read from Stripe, repairing missed webhooks), at once, as staff through <c>POST /billing-accounts/sync</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReconcileCommand(this IResourceBuilder<ProjectResource> billing, DashboardToken token)
    {
        var endpoint = billing.GetEndpoint("http");
        return billing.WithCommand("reconcile-with-stripe", "Reconcile with Stripe now", async context =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{endpoint.Url}/billing-accounts/sync");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Staff());
            using var response = await Http.SendAsync(request, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success($"Reconciled: {body}")
                : CommandResults.Failure($"Billing answered {(int)response.StatusCode}: {body}");
        }, new CommandOptions
        {
            Description = "Re-read every customer's cards and invoices from Stripe now, as the hourly reconciliation does.",
            IconName = "ArrowSync",
            UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>
    /// Every service: "Show failed messages" — each <c>_error</c> queue with its depth and the reason of its first messages
    /// (<c>GET /error-queues</c>); "Replay failed messages" — after the cause is fixed, every message of every error queue sent
    /// back to the queue it failed on, as the dashboard's staff (<c>POST /error-queues/{queue}/replay</c>, audited in the
    /// service's log). Consumers are idempotent, so a message that was handled after all changes nothing.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithErrorQueueCommands(this IResourceBuilder<ProjectResource> service, DashboardToken token)
    {
        var endpoint = service.GetEndpoint("http");
        var healthy = (UpdateCommandStateContext context) => context.ResourceSnapshot.HealthStatus is null
            ? ResourceCommandState.Disabled
            : ResourceCommandState.Enabled;
        service.WithCommand("show-failed-messages", "Show failed messages", async context =>
        {
            var lines = new List<string>();
            foreach (var (queue, depth) in await ErrorQueuesAsync(endpoint, token, context.CancellationToken))
            {
                lines.Add($"{queue}: {depth}");
                if (depth == 0)
                {
                    continue;
                }

                using var messages = await StaffAsync(HttpMethod.Get, $"{endpoint.Url}/error-queues/{queue}/messages?limit=3", null, token, context.CancellationToken);
                lines.AddRange(messages.RootElement.EnumerateArray().Select(m =>
                    $"  {m.GetProperty("id").GetString()} failed {m.GetProperty("failedAt")}: {m.GetProperty("reason")}"));
            }

            return CommandResults.Success(lines.Count == 0 ? "No error queues." : string.Join("\n", lines));
        }, new CommandOptions
        {
            Description = "The service's error queues, how many failed messages each holds and why the first ones failed.",
            IconName = "MailError",
            UpdateState = healthy,
        });
        return service.WithCommand("replay-failed-messages", "Replay failed messages", async context =>
        {
            var replayed = new List<string>();
            foreach (var (queue, depth) in await ErrorQueuesAsync(endpoint, token, context.CancellationToken))
            {
                if (depth == 0)
                {
                    continue;
                }

                using var result = await StaffAsync(HttpMethod.Post, $"{endpoint.Url}/error-queues/{queue}/replay",
                    JsonContent.Create(new { all = true }), token, context.CancellationToken);
                replayed.Add($"{queue}: {result.RootElement.GetProperty("replayed").GetArrayLength()}");
            }

            return CommandResults.Success(replayed.Count == 0 ? "Nothing to replay." : "Replayed " + string.Join(", ", replayed));
        }, new CommandOptions
        {
            Description = "After the cause is fixed: send every failed message back to the queue it failed on (consumers ignore what they already handled).",
            ConfirmationMessage = "Send every message in this service's error queues back to its queue? Do this only once the cause of the failures is fixed.",
            IconName = "ArrowRepeatAll",
            UpdateState = healthy,
        });
    }

    private static async Task<List<(string Queue, long Depth)>> ErrorQueuesAsync(EndpointReference endpoint, DashboardToken token, CancellationToken cancellationToken)
    {
        using var queues = await StaffAsync(HttpMethod.Get, $"{endpoint.Url}/error-queues", null, token, cancellationToken);
        return queues.RootElement.EnumerateArray().Select(q => (q.GetProperty("queue").GetString()!, q.GetProperty("depth").GetInt64())).ToList();
    }

    private static async Task<JsonDocument> StaffAsync(HttpMethod method, string url, HttpContent? content, DashboardToken token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Staff());
        using var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body)
            : throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>
    /// The Stripe emulator: "Advance the test clock to the next cycle" — to two hours past the start of the next
    /// calendar month (UTC), when Stripe has invoiced the cycle, finalized the invoice and tried the card.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAdvanceToNextCycleCommand(this IResourceBuilder<ProjectResource> emulator, string clockId)
    {
        var endpoint = emulator.GetEndpoint("http");
        return emulator.WithCommand("advance-test-clock", "Advance the test clock to the next cycle", async context =>
        {
            var clock = $"{endpoint.Url}/v1/test_helpers/test_clocks/{clockId}";
            using var current = await SendAsync(HttpMethod.Get, clock, null, context.CancellationToken);
            var frozen = DateTimeOffset.FromUnixTimeSeconds(current.RootElement.GetProperty("frozen_time").GetInt64());
            var cycle = new DateTimeOffset(frozen.Year, frozen.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
            var to = cycle.AddHours(2);
            using var advanced = await SendAsync(HttpMethod.Post, $"{clock}/advance",
                new FormUrlEncodedContent([new("frozen_time", to.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))]), context.CancellationToken);
            return CommandResults.Success($"Test clock {clockId}: {frozen:u} → {to:u} (cycle {cycle:yyyy-MM} started); Stripe is running the renewal.");
        }, new CommandOptions
        {
            Description = "Moves the emulator's test clock, on which every customer lives, to just after the start of the next billing cycle.",
            IconName = "CalendarArrowRight",
        });
    }

    private static async Task<JsonDocument> SendAsync(HttpMethod method, string url, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        // Any test key will do: the emulator accepts every sk_test_ key unless told otherwise.
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_cic_emulator");
        using var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body)
            : throw new InvalidOperationException($"The emulator answered {(int)response.StatusCode}: {body}");
    }
}
