namespace Cic.StripeEmulator.Api;

/// <summary>What a resource handler sees of an HTTP request: decoded parameters (query and body merged) and route values.</summary>
internal sealed class ApiRequest
{
    private readonly RouteValueDictionary routeValues;

    private ApiRequest(ApiParams parameters, RouteValueDictionary routeValues, string requestId, string? idempotencyKey, bool publishable)
    {
        Publishable = publishable;
        Params = parameters;
        this.routeValues = routeValues;
        RequestId = requestId;
        IdempotencyKey = idempotencyKey;
    }

    public ApiParams Params { get; }

    public string RequestId { get; }

    public string? IdempotencyKey { get; }

    /// <summary>Authenticated with a publishable key, as Stripe.js in a browser is: only a client-secret call is allowed.</summary>
    public bool Publishable { get; }

    public string Route(string name) => Uri.UnescapeDataString(routeValues[name]?.ToString() ?? string.Empty);

    public static async Task<ApiRequest> ReadAsync(HttpContext http)
    {
        var body = await RequestBody.ReadAsync(http);
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value![1..] : string.Empty;
        var joined = string.IsNullOrEmpty(body) ? query : string.IsNullOrEmpty(query) ? body : $"{query}&{body}";
        if (!string.IsNullOrEmpty(body) && body.TrimStart().StartsWith('{'))
        {
            throw StripeApiException.Invalid("The Stripe API v1 takes form-encoded bodies (application/x-www-form-urlencoded), not JSON.");
        }
        return new ApiRequest(
            new ApiParams(FormDecoder.Decode(joined)),
            http.Request.RouteValues,
            StripePipeline.RequestIdOf(http),
            http.Request.Headers["Idempotency-Key"].FirstOrDefault(),
            http.Items.ContainsKey(StripePipeline.PublishableItem));
    }

    /// <summary>Query and body parameters decoded, before any handler (e.g. to find the <c>key</c> Stripe.js authenticates with).</summary>
    public static async Task<ApiParams> ParamsAsync(HttpContext http)
    {
        var body = await RequestBody.ReadAsync(http);
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value![1..] : string.Empty;
        var joined = string.IsNullOrEmpty(body) ? query : string.IsNullOrEmpty(query) ? body : $"{query}&{body}";
        return new ApiParams(FormDecoder.Decode(body.TrimStart().StartsWith('{') ? query : joined));
    }
}

/// <summary>The raw request body, read once and cached: idempotency fingerprints it and the handler decodes it.</summary>
internal static class RequestBody
{
    private const string ItemKey = "stripe-emulator.body";

    public static async Task<string> ReadAsync(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached))
        {
            return (string)cached!;
        }
        var body = await FormDecoder.ReadBodyAsync(http.Request);
        http.Items[ItemKey] = body;
        return body;
    }
}
