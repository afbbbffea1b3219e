using System.Text.Json;
using Npgsql;

namespace Cic.Testing;

/// <summary>
/// The integration events a service committed to its outbox, in order: what it has published or
/// is about to. Tests take a mark before an action and read what the action added.
/// </summary>
public static class PublishedEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The position after the last event saved so far.</summary>
    public static async Task<long> MarkAsync(this TestDatabase database) =>
        await database.ScalarAsync<long?>("SELECT max(sequence) FROM outbox_messages") ?? 0;

    /// <summary>The events saved after <paramref name="mark"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<PublishedEvent>> EventsSinceAsync(this TestDatabase database, long mark)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT message_type, body::text FROM outbox_messages WHERE sequence > @mark ORDER BY sequence", connection);
        command.Parameters.AddWithValue("mark", mark);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<PublishedEvent>();
        while (await reader.ReadAsync())
        {
            var type = reader.GetString(0);
            var name = type.Split(',')[0].Split('.')[^1];
            events.Add(new PublishedEvent(name, JsonDocument.Parse(reader.GetString(1)).RootElement.Clone()));
        }

        return events;
    }

    public static T As<T>(this PublishedEvent published) => published.Body.Deserialize<T>(Json)!;
}

/// <summary>An event from a service's outbox: its type's short name (e.g. <c>CompanyRegistered</c>) and its JSON.</summary>
public sealed record PublishedEvent(string Name, JsonElement Body);
