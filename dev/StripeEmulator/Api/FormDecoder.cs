using System.Text;

namespace Cic.StripeEmulator.Api;

/// <summary>
/// One node of a decoded Stripe request: either a leaf string or a map of children.
/// Arrays arrive as maps keyed "0", "1", … (Stripe.net sends <c>items[0][price]</c>) and are turned
/// into lists only where an endpoint asks for a list, so that <c>metadata[0]=x</c> stays a map entry.
/// </summary>
internal sealed class FormNode
{
    public string? Value { get; private set; }

    public Dictionary<string, FormNode>? Children { get; private set; }

    public bool IsLeaf => Children is null;

    public static FormNode Leaf(string value) => new() { Value = value };

    public static FormNode Map() => new() { Children = new Dictionary<string, FormNode>(StringComparer.Ordinal) };

    public FormNode GetOrAddChild(string key)
    {
        // A key seen first as a leaf (e.g. "metadata=" to clear) and then with brackets becomes a map.
        Children ??= new Dictionary<string, FormNode>(StringComparer.Ordinal);
        Value = null;
        if (!Children.TryGetValue(key, out var child))
        {
            child = new FormNode();
            Children[key] = child;
        }
        return child;
    }

    public void SetValue(string value)
    {
        Value = value;
        Children = null;
    }
}

/// <summary>
/// The single place where Stripe's form encoding (bracket notation) is decoded, for bodies and query strings alike.
/// </summary>
internal static class FormDecoder
{
    public static FormNode Decode(string encoded)
    {
        var root = FormNode.Map();
        foreach (var pair in encoded.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var rawKey = eq < 0 ? pair : pair[..eq];
            var rawValue = eq < 0 ? string.Empty : pair[(eq + 1)..];
            Add(root, rawKey, Unescape(rawValue));
        }
        return root;
    }

    /// <summary>Splits <c>a[b][0][c]</c> into <c>a, b, 0, c</c>; <c>[]</c> yields an empty segment (append).</summary>
    public static IReadOnlyList<string> SplitKey(string key)
    {
        var segments = new List<string>();
        var bracket = key.IndexOf('[', StringComparison.Ordinal);
        if (bracket < 0)
        {
            segments.Add(key);
            return segments;
        }
        segments.Add(key[..bracket]);
        var rest = key[bracket..];
        while (rest.Length > 0 && rest[0] == '[')
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }
            segments.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }
        return segments;
    }

    private static void Add(FormNode root, string rawKey, string value)
    {
        // Structure brackets come unescaped (Stripe.net), so split first and unescape each segment: a metadata key
        // may itself contain an escaped bracket. A client that escaped everything gets its brackets parsed instead.
        var segments = (rawKey.Contains('[', StringComparison.Ordinal) ? SplitKey(rawKey) : SplitKey(Unescape(rawKey)))
            .Select(Unescape)
            .ToList();
        var node = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                // "expand[]=a&expand[]=b": append at the next free index.
                segment = (node.Children?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            node = node.GetOrAddChild(segment);
        }
        node.SetValue(value);
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    public static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is 0)
        {
            return string.Empty;
        }
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }
}
