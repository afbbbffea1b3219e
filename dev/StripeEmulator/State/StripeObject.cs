using System.Text.Json.Serialization;

namespace Cic.StripeEmulator.State;

/// <summary>
/// Base of every stored resource. Subclasses are serialized as-is (snake_case) by <see cref="Api.ObjectRenderer"/>,
/// so their public properties ARE the wire shape; internal bookkeeping is marked <see cref="JsonIgnoreAttribute"/>.
/// </summary>
internal abstract class StripeObject
{
    [JsonPropertyOrder(-10)]
    public required string Id { get; init; }

    [JsonPropertyOrder(-9)]
    public abstract string Object { get; }

    /// <summary>Insertion order; lists are newest-first by this (Stripe's <c>created</c> has only second resolution).</summary>
    [JsonIgnore]
    public long Sequence { get; set; }
}

/// <summary>Every list Stripe returns, top-level or embedded (<c>items</c>, <c>lines</c>).</summary>
internal sealed class ListObject<T>
{
    public ListObject(IReadOnlyList<T> data, bool hasMore, string url)
    {
        Data = data;
        HasMore = hasMore;
        Url = url;
    }

    public string Object => "list";

    public IReadOnlyList<T> Data { get; }

    public bool HasMore { get; }

    public long TotalCount => Data.Count;

    public string Url { get; }
}

/// <summary>The all-null address Stripe returns for objects without one.</summary>
internal sealed class Address
{
    public string? City { get; set; }

    public string? Country { get; set; }

    public string? Line1 { get; set; }

    public string? Line2 { get; set; }

    public string? PostalCode { get; set; }

    public string? State { get; set; }
}
