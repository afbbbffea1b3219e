using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Api;

/// <summary>An object with fields Stripe leaves out unless asked for with <c>expand</c> ("includable" fields such as <c>invoice.payments</c>).</summary>
internal interface IHasIncludableFields
{
    object? Include(string field);
}

/// <summary>
/// The one place objects become JSON: snake_case property names, nulls written out (Stripe sends every key),
/// and <c>expand</c> applied by replacing id strings with the objects they name.
/// </summary>
internal sealed class ObjectRenderer(EmulatorState state)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public JsonNode Render(object value, IReadOnlyList<string> expand)
    {
        var node = value as JsonNode ?? JsonSerializer.SerializeToNode(value, value.GetType(), Json)!;
        foreach (var path in expand)
        {
            Expand(node, path.Split('.'), 0, path);
        }
        return node;
    }

    /// <summary>A detached copy of an object as it is now, for event payloads and <c>previous_attributes</c>.</summary>
    public JsonObject Snapshot(object value) => (JsonObject)Render(value, []);

    private void Expand(JsonNode? node, string[] path, int depth, string fullPath)
    {
        if (node is JsonArray array)
        {
            foreach (var element in array)
            {
                Expand(element, path, depth, fullPath);
            }
            return;
        }
        if (node is not JsonObject obj || depth >= path.Length)
        {
            return;
        }
        var field = path[depth];
        if (!obj.TryGetPropertyValue(field, out var child))
        {
            child = Include(obj, field) ?? throw StripeApiException.Invalid($"This property cannot be expanded ({fullPath}).", "expand");
            obj[field] = child;
        }
        if (child is JsonValue value && value.TryGetValue<string>(out var id))
        {
            var target = state.Find(id) ?? throw StripeApiException.Invalid($"This property cannot be expanded ({fullPath}).", "expand");
            child = JsonSerializer.SerializeToNode(target, target.GetType(), Json);
            obj[field] = child;
        }
        Expand(child, path, depth + 1, fullPath);
    }

    private JsonNode? Include(JsonObject owner, string field)
    {
        var id = owner["id"]?.GetValue<string>();
        if (id is null || state.Find(id) is not IHasIncludableFields includable || includable.Include(field) is not { } included)
        {
            return null;
        }
        return JsonSerializer.SerializeToNode(included, included.GetType(), Json);
    }
}
