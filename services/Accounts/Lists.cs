using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Cic.Accounts;

/// <summary>A list's query: an optional case-insensitive name search, and a 1-based page of at most 100 items.</summary>
public sealed record NameSearch(
    string? Search,
    [property: Range(1, 100_000)] int Page = 1,
    [property: Range(1, 100)] int PageSize = 25)
{
    public int Skip => (Page - 1) * PageSize;

    /// <summary>The search as an ILIKE pattern matching names that contain it, with LIKE's wildcards escaped.</summary>
    public string ContainsPattern => "%" + Search!.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}

/// <summary>One page of a list, with the total so a portal can show page numbers.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public static class ListPaging
{
    /// <summary>Counts an ordered query and reads the page <paramref name="search"/> asks for.</summary>
    public static async Task<ListPage<TItem>> ToListPageAsync<TRow, TItem>(
        this IOrderedQueryable<TRow> rows, NameSearch search, Expression<Func<TRow, TItem>> item, CancellationToken cancellationToken)
    {
        var total = await rows.CountAsync(cancellationToken);
        var items = await rows.Skip(search.Skip).Take(search.PageSize).Select(item).ToListAsync(cancellationToken);
        return new ListPage<TItem>(items, search.Page, search.PageSize, total);
    }
}
