using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cic.Testing;

/// <summary>
/// A RabbitMQ virtual host of its own for one test class: its exchanges, queues and messages are
/// invisible to every other class. Also reads queues through the management API, e.g. to see what
/// reached an <c>_error</c> queue and why.
/// </summary>
public sealed class TestVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;

    private TestVirtualHost(HttpClient management, string name, Uri amqp)
    {
        _management = management;
        Name = name;
        Amqp = amqp;
    }

    public string Name { get; }

    /// <summary>amqp:// URI with credentials, of this virtual host: a service's <c>ConnectionStrings:messaging</c>.</summary>
    public Uri Amqp { get; }

    internal static async Task<TestVirtualHost> CreateAsync(Uri broker, Uri management, string purpose)
    {
        var name = $"t-{purpose.ToLowerInvariant()}-{Guid.NewGuid():N}";
        var client = ManagementClient(management);
        var user = Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]);
        (await client.PutAsync($"api/vhosts/{Uri.EscapeDataString(name)}", null)).EnsureSuccessStatusCode();
        (await client.PutAsJsonAsync(
            $"api/permissions/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        var amqp = new UriBuilder(broker) { Path = "/" + Uri.EscapeDataString(name) }.Uri;
        return new TestVirtualHost(client, name, amqp);
    }

    /// <summary>
    /// How many messages are in a queue, ready or unacknowledged (0 when the queue does not exist). The management
    /// API refreshes these counts every few seconds, so a count can lag: wait on the effect itself where you can.
    /// </summary>
    public async Task<int> CountMessagesAsync(string queue)
    {
        var response = await _management.GetAsync($"api/queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number
            ? messages.GetInt32()
            : 0;
    }

    /// <summary>
    /// How many times the broker has redelivered messages of a queue (a delivery whose channel closed before its ack,
    /// given again): the management API's <c>message_stats.redeliver</c>, which lags by a few seconds but never falls.
    /// </summary>
    public async Task<long> RedeliveriesAsync(string queue)
    {
        using var json = JsonDocument.Parse(await _management.GetStringAsync($"api/queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}"));
        return json.RootElement.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("redeliver", out var redeliver)
            ? redeliver.GetInt64()
            : 0;
    }

    /// <summary>The names of the queues in this virtual host.</summary>
    public async Task<IReadOnlyList<string>> QueueNamesAsync()
    {
        using var json = JsonDocument.Parse(await _management.GetStringAsync($"api/queues/{Uri.EscapeDataString(Name)}"));
        return json.RootElement.EnumerateArray().Select(queue => queue.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Reads (and leaves in place) up to <paramref name="count"/> messages of a queue: their headers and body; none while the queue does not exist.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> PeekAsync(string queue, int count = 10)
    {
        var response = await _management.PostAsJsonAsync(
            $"api/queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto" });
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return []; // not declared yet (MassTransit declares an _error queue at its first fault): nothing in it
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(message =>
        {
            var headers = message.GetProperty("properties").TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object
                ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString())
                : [];
            return new QueuedMessage(headers, message.GetProperty("payload").GetString() ?? "");
        }).ToList();
    }

    /// <summary>
    /// The client-given names of the connections to this virtual host. The management API lists a new
    /// connection a moment after it opens.
    /// </summary>
    public async Task<IReadOnlyList<string>> ConnectionNamesAsync() =>
        (await ConnectionsAsync()).Select(connection => connection.ClientName).ToList();

    /// <summary>
    /// The broker's names (client address and port) of the open connections whose client-given name contains
    /// <paramref name="nameContains"/>: a connection that was lost and opened again has a new one.
    /// </summary>
    public async Task<IReadOnlyList<string>> OpenConnectionsAsync(string nameContains) =>
        (await ConnectionsAsync()).Where(c => c.ClientName.Contains(nameContains, StringComparison.Ordinal)).Select(c => c.Name).Order().ToList();

    /// <summary>
    /// Closes, as a broker restart or a network fault would, every client connection to this virtual host
    /// whose name contains <paramref name="nameContains"/>; returns how many it closed. The management API lists a
    /// connection only once its statistics collector has recorded it, a moment after it opened (longer on a busy
    /// machine): this waits until it lists at least one such connection, so a connection opened just now is not missed.
    /// </summary>
    public async Task<int> CloseConnectionsAsync(string nameContains)
    {
        var matching = await Eventually.Returns(
            async () => (await ConnectionsAsync()).Where(c => c.ClientName.Contains(nameContains, StringComparison.Ordinal)).ToList(),
            connections => connections.Count > 0,
            $"the broker to list a connection named like '{nameContains}'");
        foreach (var (name, _) in matching)
        {
            (await _management.DeleteAsync($"api/connections/{Uri.EscapeDataString(name)}")).EnsureSuccessStatusCode();
        }

        return matching.Count;
    }

    private async Task<IReadOnlyList<(string Name, string ClientName)>> ConnectionsAsync()
    {
        using var json = JsonDocument.Parse(await _management.GetStringAsync($"api/vhosts/{Uri.EscapeDataString(Name)}/connections"));
        return json.RootElement.EnumerateArray().Select(connection => (
            connection.GetProperty("name").GetString()!,
            connection.TryGetProperty("client_properties", out var client) && client.TryGetProperty("connection_name", out var name) ? name.GetString() ?? "" : "")).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(Name)}");
        _management.Dispose();
    }

    private static HttpClient ManagementClient(Uri management)
    {
        var credentials = management.UserInfo.Split(':').Select(Uri.UnescapeDataString).ToArray();
        var client = new HttpClient { BaseAddress = new UriBuilder(management) { UserName = "", Password = "", Path = "/" }.Uri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials[0]}:{credentials[1]}")));
        return client;
    }
}

/// <summary>A message read from a queue: its AMQP headers (e.g. MassTransit's <c>MT-Fault-Message</c>) and body.</summary>
public sealed record QueuedMessage(IReadOnlyDictionary<string, string> Headers, string Body);
