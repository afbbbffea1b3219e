using System.Globalization;

namespace Cic.StripeEmulator.Api;

/// <summary>
/// Typed, validating access to decoded request parameters. Paths use Stripe's own bracket syntax
/// (<c>"invoice_settings[default_payment_method]"</c>) so handler code reads like the API reference.
/// Stripe.net sends an explicit empty string to mean "unset", so <see cref="IsCleared"/> tells that apart from "absent".
/// </summary>
internal sealed class ApiParams
{
    private static readonly HashSet<string> AlwaysAccepted = new(StringComparer.Ordinal) { "expand", "key" };

    private readonly FormNode root;

    public ApiParams(FormNode root) => this.root = root;

    public static ApiParams Empty { get; } = new(FormNode.Map());

    public IEnumerable<string> Keys => root.Children?.Keys ?? Enumerable.Empty<string>();

    /// <summary>Stripe rejects parameters it does not know; so does the emulator, which keeps client bugs visible.</summary>
    public void Accept(params string[] names)
    {
        foreach (var key in Keys)
        {
            if (!AlwaysAccepted.Contains(key) && Array.IndexOf(names, key) < 0)
            {
                throw StripeApiException.UnknownParameter(key);
            }
        }
    }

    public FormNode? Node(string path)
    {
        var node = root;
        foreach (var segment in FormDecoder.SplitKey(path))
        {
            if (node.Children is null || !node.Children.TryGetValue(segment, out var child))
            {
                return null;
            }
            node = child;
        }
        return node;
    }

    public bool Has(string path) => Node(path) is not null;

    /// <summary>True when the parameter was sent as an empty string, Stripe's way of saying "set to null".</summary>
    public bool IsCleared(string path) => Node(path) is { IsLeaf: true, Value: "" };

    public string? String(string path)
    {
        var node = Node(path);
        if (node is null)
        {
            return null;
        }
        if (!node.IsLeaf)
        {
            throw StripeApiException.Invalid($"Invalid string: {path} must be a string.", path);
        }
        return string.IsNullOrEmpty(node.Value) ? null : node.Value;
    }

    public string RequiredString(string path) => String(path) ?? throw StripeApiException.RequiredParameter(path);

    public long? Long(string path)
    {
        var s = String(path);
        if (s is null)
        {
            return null;
        }
        return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeApiException.Invalid($"Invalid integer: {s}", path);
    }

    public decimal? Decimal(string path)
    {
        var s = String(path);
        if (s is null)
        {
            return null;
        }
        return decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeApiException.Invalid($"Invalid decimal: {s}", path);
    }

    public bool? Bool(string path)
    {
        var s = String(path);
        return s switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw StripeApiException.Invalid($"Invalid boolean: {s}", path),
        };
    }

    /// <summary>An enumerated string; anything outside <paramref name="allowed"/> is a 400 naming the allowed values.</summary>
    public string? OneOf(string path, params string[] allowed)
    {
        var s = String(path);
        if (s is not null && Array.IndexOf(allowed, s) < 0)
        {
            throw StripeApiException.Invalid($"Invalid {path}: must be one of {string.Join(", ", allowed)}", path);
        }
        return s;
    }

    /// <summary>An indexed array (<c>key[0]…</c>), in index order; <c>key=</c> is an empty list.</summary>
    public IReadOnlyList<ApiParams>? List(string path)
    {
        var node = Node(path);
        if (node is null)
        {
            return null;
        }
        if (node.IsLeaf)
        {
            return string.IsNullOrEmpty(node.Value)
                ? []
                : throw StripeApiException.Invalid($"Invalid array: {path}", path);
        }
        var items = new List<(int Index, FormNode Node)>();
        foreach (var (key, child) in node.Children!)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw StripeApiException.Invalid($"Invalid array: {path}", path);
            }
            items.Add((index, child));
        }
        return items.OrderBy(i => i.Index).Select(i => new ApiParams(i.Node)).ToList();
    }

    public IReadOnlyList<string>? StringList(string path) =>
        List(path)?.Select(item => item.root.Value ?? throw StripeApiException.Invalid($"Invalid array: {path}", path)).ToList();

    /// <summary>This node as a scalar (used for items of string arrays and for nested objects alike).</summary>
    public string? Value => root.IsLeaf ? root.Value : null;

    public ApiParams? Object(string path)
    {
        var node = Node(path);
        return node is { IsLeaf: false } ? new ApiParams(node) : null;
    }

    /// <summary>
    /// Applies a <c>metadata</c>-style update to <paramref name="target"/>: <c>metadata[k]=v</c> sets,
    /// <c>metadata[k]=</c> removes a key, <c>metadata=</c> clears everything.
    /// </summary>
    public void ApplyMap(string path, Dictionary<string, string> target)
    {
        var node = Node(path);
        if (node is null)
        {
            return;
        }
        if (node.IsLeaf)
        {
            if (!string.IsNullOrEmpty(node.Value))
            {
                throw StripeApiException.Invalid($"Invalid object: {path}", path);
            }
            target.Clear();
            return;
        }
        foreach (var (key, child) in node.Children!)
        {
            if (!child.IsLeaf)
            {
                throw StripeApiException.Invalid($"Invalid {path}[{key}]: must be a string", $"{path}[{key}]");
            }
            if (string.IsNullOrEmpty(child.Value))
            {
                target.Remove(key);
            }
            else
            {
                target[key] = child.Value;
            }
        }
    }

    public Dictionary<string, string> NewMap(string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        ApplyMap(path, map);
        return map;
    }

    /// <summary>The requested <c>expand</c> paths (Stripe.net sends <c>expand[0]=…</c>; curl users send <c>expand[]=…</c>).</summary>
    public IReadOnlyList<string> Expand => StringList("expand") ?? [];

    /// <summary>A <c>created[gte]=…</c> style range filter, or a bare <c>created=…</c> exact value.</summary>
    public Func<long, bool> Range(string path)
    {
        var node = Node(path);
        if (node is null)
        {
            return _ => true;
        }
        if (node.IsLeaf)
        {
            var exact = Long(path);
            return v => exact is null || v == exact;
        }
        var gt = Long($"{path}[gt]");
        var gte = Long($"{path}[gte]");
        var lt = Long($"{path}[lt]");
        var lte = Long($"{path}[lte]");
        return v => (gt is null || v > gt) && (gte is null || v >= gte) && (lt is null || v < lt) && (lte is null || v <= lte);
    }
}
