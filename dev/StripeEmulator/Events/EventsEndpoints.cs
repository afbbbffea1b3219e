using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Events;

/// <summary><c>/v1/events</c> and <c>/v1/webhook_endpoints</c>.</summary>
internal sealed class EventsEndpoints(EmulatorState state, ObjectRenderer renderer) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Get("/v1/events/{id}", req => state.Events.Get(req.Route("id")));
        router.Get("/v1/events", ListEvents);
        router.Post("/v1/webhook_endpoints", CreateEndpoint);
        router.Get("/v1/webhook_endpoints/{id}", req => state.WebhookEndpoints.Get(req.Route("id")));
        router.Post("/v1/webhook_endpoints/{id}", UpdateEndpoint);
        router.Delete("/v1/webhook_endpoints/{id}", DeleteEndpoint);
        router.Get("/v1/webhook_endpoints", req => Pagination.Page(state.WebhookEndpoints.All, req.Params, "/v1/webhook_endpoints"));
    }

    private object ListEvents(ApiRequest req)
    {
        var p = req.Params;
        var type = p.String("type");
        var types = p.StringList("types");
        var created = p.Range("created");
        var deliverySuccess = p.Bool("delivery_success");
        var events = state.Events.All.Where(e =>
            (type is null || Matches(type, e.Type)) &&
            (types is null || types.Any(t => Matches(t, e.Type))) &&
            created(e.Created) &&
            (deliverySuccess is null || (e.PendingWebhooks == 0) == deliverySuccess));
        return Pagination.Page(events, p, "/v1/events");
    }

    /// <summary>Stripe's <c>type</c> filter allows a trailing wildcard such as <c>invoice.*</c>.</summary>
    private static bool Matches(string filter, string type) =>
        filter.EndsWith(".*", StringComparison.Ordinal) ? type.StartsWith(filter[..^1], StringComparison.Ordinal) : filter == type;

    private object CreateEndpoint(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("url", "enabled_events", "description", "metadata", "api_version", "connect");
        var endpoint = state.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = Ids.New("we"),
            Url = ValidUrl(p.RequiredString("url")),
            EnabledEvents = RequiredEvents(p),
            Description = p.String("description"),
            Metadata = p.NewMap("metadata"),
            ApiVersion = p.String("api_version"),
            Created = state.RealNow,
            Secret = $"whsec_{Ids.Random(32)}",
        });
        // The signing secret is shown once, in the create response, as Stripe does.
        var json = renderer.Snapshot(endpoint);
        json["secret"] = endpoint.Secret;
        return json;
    }

    private object UpdateEndpoint(ApiRequest req)
    {
        var endpoint = state.WebhookEndpoints.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("url", "enabled_events", "description", "metadata", "disabled");
        if (p.String("url") is { } url)
        {
            endpoint.Url = ValidUrl(url);
        }
        if (p.Has("enabled_events"))
        {
            endpoint.EnabledEvents = RequiredEvents(p);
        }
        if (p.Has("description"))
        {
            endpoint.Description = p.String("description");
        }
        if (p.Bool("disabled") is { } disabled)
        {
            endpoint.Status = disabled ? "disabled" : "enabled";
        }
        p.ApplyMap("metadata", endpoint.Metadata);
        return endpoint;
    }

    private object DeleteEndpoint(ApiRequest req)
    {
        var endpoint = state.WebhookEndpoints.Get(req.Route("id"));
        state.WebhookEndpoints.Remove(endpoint.Id);
        return new { id = endpoint.Id, @object = "webhook_endpoint", deleted = true };
    }

    private static List<string> RequiredEvents(ApiParams p)
    {
        var events = p.StringList("enabled_events");
        return events is { Count: > 0 } ? events.ToList() : throw StripeApiException.RequiredParameter("enabled_events");
    }

    private static string ValidUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw StripeApiException.Invalid($"Invalid URL: {url}", "url", "url_invalid");
}
