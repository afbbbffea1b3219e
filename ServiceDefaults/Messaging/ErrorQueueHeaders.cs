using System.Collections;
using System.Text;
using RabbitMQ.Client;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// The headers a message moved to an <c>_error</c> queue can carry. A message's properties travel in one
/// AMQP frame, so a producer's message whose headers nearly fill the broker's <c>frame_max</c> cannot be
/// moved with fault headers added: the broker closes the whole connection (<c>frame_too_large</c>), the
/// message is redelivered and the same happens again, stopping every consumer on that connection. Here the
/// fault headers always fit (the longest are shortened), and the producer's own headers are kept, smallest
/// first, as long as there is room; the ones left out are named in <see cref="DroppedHeader"/>.
/// </summary>
public static class ErrorQueueHeaders
{
    /// <summary>Names the producer's headers that did not fit, with their sizes.</summary>
    public const string DroppedHeader = "CIC-Dropped-Headers";

    /// <summary>RabbitMQ's default <c>frame_max</c>, used when the connection reports none.</summary>
    public const uint DefaultFrameMax = 131_072;

    // The frame's own bytes (7 + 1), the content header's fixed fields (14) and the other basic properties
    // (short strings of at most 256 bytes each, a timestamp, two octets).
    private const int OtherProperties = 8 + 14 + 8 * 256 + 8 + 2;

    // The fault headers (the reason first) may take at most this share of the room; the rest is for the producer's.
    private const int FaultShare = 4;

    /// <summary>How many bytes the header table may take on a connection with <paramref name="frameMax"/>.</summary>
    public static int Room(uint frameMax) => (int)Math.Min(frameMax == 0 ? DefaultFrameMax : frameMax, int.MaxValue) - OtherProperties;

    /// <summary>Whether <paramref name="headers"/> fit in <paramref name="room"/> bytes as they are.</summary>
    public static bool Fits(IEnumerable<KeyValuePair<string, object?>> headers, int room) => TableSize(headers) <= room;

    /// <summary>
    /// The headers to move a message with: every fault header (over the producer's of the same name), then
    /// the producer's, smallest first, while they fit in <paramref name="room"/> bytes.
    /// </summary>
    /// <param name="original">The producer's headers.</param>
    /// <param name="fault">The fault headers, most important first (the reason); string values are shortened if they must be.</param>
    /// <param name="room">From <see cref="Room"/>.</param>
    public static Dictionary<string, object?> Fit(
        IEnumerable<KeyValuePair<string, object?>>? original,
        IReadOnlyList<KeyValuePair<string, object?>> fault,
        int room)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        var faultRoom = room / FaultShare;
        var used = 4;
        foreach (var (key, value) in fault)
        {
            var fitted = value;
            var size = EntrySize(key, fitted);
            if (used + size > faultRoom && value is string text)
            {
                // Keep what fits of a long value (a stack trace, an exception's message), marked as cut.
                var left = Math.Max(0, faultRoom - used - EntrySize(key, "") - 64);
                fitted = Shorten(text, left);
                size = EntrySize(key, fitted);
            }

            if (used + size <= faultRoom)
            {
                headers[key] = fitted;
                used += size;
            }
        }

        var dropped = new List<string>();
        // Room for naming what is left out.
        var keepRoom = room - 1024;
        foreach (var (key, value) in (original ?? []).Where(h => !headers.ContainsKey(h.Key)).OrderBy(h => EntrySize(h.Key, h.Value)))
        {
            var size = EntrySize(key, value);
            if (used + size <= keepRoom)
            {
                headers[key] = value;
                used += size;
            }
            else
            {
                dropped.Add($"{key} ({size} bytes)");
            }
        }

        if (dropped.Count > 0)
        {
            headers[DroppedHeader] = Shorten("left out, too large to move with the fault headers: " + string.Join(", ", dropped), 900);
        }

        return headers;
    }

    /// <summary>The encoded size of an AMQP 0-9-1 field table holding <paramref name="headers"/>, its length prefix included.</summary>
    public static int TableSize(IEnumerable<KeyValuePair<string, object?>> headers) =>
        4 + headers.Sum(h => EntrySize(h.Key, h.Value));

    private static int EntrySize(string key, object? value) => 1 + Encoding.UTF8.GetByteCount(key) + 1 + ValueSize(value);

    private static int ValueSize(object? value) => value switch
    {
        null => 0,
        string s => 4 + Encoding.UTF8.GetByteCount(s),
        byte[] bytes => 4 + bytes.Length,
        ReadOnlyMemory<byte> memory => 4 + memory.Length,
        bool or byte or sbyte => 1,
        short or ushort => 2,
        int or uint or float => 4,
        long or ulong or double or AmqpTimestamp => 8,
        decimal => 5,
        IDictionary<string, object?> table => TableSize(table),
        IDictionary table => 4 + table.Keys.Cast<object>().Sum(k => EntrySize(k.ToString() ?? "", table[k])),
        IEnumerable list => 4 + list.Cast<object?>().Sum(item => 1 + ValueSize(item)),
        _ => 4 + Encoding.UTF8.GetByteCount(value.ToString() ?? ""),
    };

    private static string Shorten(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        const string Cut = " … (cut)";
        var room = maxBytes - Encoding.UTF8.GetByteCount(Cut);
        // The longest prefix that fits (UTF-8 takes 1 to 4 bytes a character).
        int low = 0, high = text.Length;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (Encoding.UTF8.GetByteCount(text.AsSpan(0, middle)) <= room)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        var chars = low;
        if (chars > 0 && char.IsHighSurrogate(text[chars - 1]))
        {
            chars--;
        }

        return text[..chars] + Cut;
    }
}
