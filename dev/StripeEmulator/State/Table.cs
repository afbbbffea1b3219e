using Cic.StripeEmulator.Api;

namespace Cic.StripeEmulator.State;

/// <summary>One resource collection. Not thread-safe by itself: every access happens under <see cref="EmulatorState.Gate"/>.</summary>
internal sealed class Table<T>(EmulatorState state, string resourceName)
    where T : StripeObject
{
    private readonly Dictionary<string, T> rows = new(StringComparer.Ordinal);

    /// <summary>Stripe's name of the resource in "No such …" messages.</summary>
    public string ResourceName { get; } = resourceName;

    public T Add(T row)
    {
        row.Sequence = state.NextSequence();
        rows.Add(row.Id, row);
        state.Index(row);
        return row;
    }

    public bool TryGet(string? id, out T row)
    {
        if (id is not null && rows.TryGetValue(id, out var found))
        {
            row = found;
            return true;
        }
        row = null!;
        return false;
    }

    public T? Find(string? id) => TryGet(id, out var row) ? row : null;

    /// <summary>The row with id from the URL path, or Stripe's 404 <c>resource_missing</c>.</summary>
    public T Get(string id) => TryGet(id, out var row) ? row : throw StripeApiException.Missing(ResourceName, id);

    /// <summary>The row named by a request parameter, or Stripe's 400 <c>resource_missing</c> naming that parameter.</summary>
    public T GetParam(string id, string param) =>
        TryGet(id, out var row) ? row : throw StripeApiException.MissingParam(ResourceName, id, param);

    public void Remove(string id)
    {
        rows.Remove(id);
        state.Unindex(id);
    }

    /// <summary>Newest first, the order of every Stripe list.</summary>
    public IEnumerable<T> All => rows.Values.OrderByDescending(r => r.Sequence);

    public void Clear() => rows.Clear();
}
