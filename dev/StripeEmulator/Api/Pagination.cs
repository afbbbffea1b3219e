using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Api;

/// <summary>The one implementation of Stripe's cursor pagination: <c>limit</c>, <c>starting_after</c>, <c>ending_before</c>, <c>has_more</c>.</summary>
internal static class Pagination
{
    public static ListObject<T> Page<T>(IEnumerable<T> newestFirst, ApiParams query, string url)
        where T : StripeObject =>
        Page(newestFirst, query, url, item => item.Id);

    public static ListObject<T> Page<T>(IEnumerable<T> ordered, ApiParams query, string url, Func<T, string> idOf)
    {
        var limit = query.Long("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StripeApiException.Invalid("Invalid limit: must be between 1 and 100", "limit");
        }
        var items = ordered.ToList();
        var startingAfter = query.String("starting_after");
        var endingBefore = query.String("ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            throw StripeApiException.Invalid("You may only specify one of these parameters: ending_before, starting_after.", "starting_after");
        }

        if (endingBefore is not null)
        {
            // The `limit` items right before the cursor, still newest first; has_more = more exist before them.
            var cursor = IndexOf(items, endingBefore, idOf, "ending_before");
            var from = (int)Math.Max(0, cursor - limit);
            return new ListObject<T>(items.GetRange(from, cursor - from), from > 0, url);
        }

        var start = startingAfter is null ? 0 : IndexOf(items, startingAfter, idOf, "starting_after") + 1;
        var page = items.Skip(start).Take((int)limit).ToList();
        return new ListObject<T>(page, start + page.Count < items.Count, url);
    }

    private static int IndexOf<T>(List<T> items, string id, Func<T, string> idOf, string param)
    {
        var index = items.FindIndex(item => idOf(item) == id);
        return index >= 0
            ? index
            : throw StripeApiException.Invalid($"Invalid {param}: no object with id '{id}' in this list.", param, "resource_missing");
    }
}
