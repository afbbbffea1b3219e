using System.Text.Json.Nodes;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Events;

/// <summary>Records Stripe events and hands them to the webhook dispatcher. Called under the state lock.</summary>
internal sealed class EventPublisher(EmulatorState state, ObjectRenderer renderer, WebhookDispatcher dispatcher)
{
    /// <summary>The API version Stripe.net 53.1.0 pins; events carry it so <c>EventUtility.ConstructEvent</c> accepts them.</summary>
    public const string ApiVersion = "2026-10-28.endive";

    public void Publish(string type, object resource, JsonObject? previousAttributes = null)
    {
        var endpoints = state.WebhookEndpoints.All.Where(e => e.Accepts(type)).ToList();
        var evt = state.Events.Add(new StripeEvent
        {
            Id = Ids.New("evt"),
            ApiVersion = ApiVersion,
            // Event times are wall-clock even for test-clock objects: that is when the event was emitted.
            Created = state.RealNow,
            Data = new EventData { Object = renderer.Snapshot(resource), PreviousAttributes = previousAttributes },
            Request = state.CurrentRequest ?? new EventRequest(),
            Type = type,
            PendingWebhooks = endpoints.Count,
        });
        if (endpoints.Count > 0)
        {
            dispatcher.Enqueue(evt.Id, type, renderer.Snapshot(evt).ToJsonString(ObjectRenderer.Json), endpoints);
        }
    }

    /// <summary>
    /// Publishes an <c>*.updated</c>-style event whose <c>previous_attributes</c> holds the top-level fields that differ
    /// from <paramref name="before"/> (a <see cref="ObjectRenderer.Snapshot"/> taken before the change); nothing if none changed.
    /// </summary>
    public void PublishChanges(string type, object resource, JsonObject before)
    {
        var after = renderer.Snapshot(resource);
        var previous = new JsonObject();
        foreach (var (key, value) in after)
        {
            before.TryGetPropertyValue(key, out var old);
            if (!JsonNode.DeepEquals(old, value))
            {
                previous[key] = old?.DeepClone();
            }
        }
        if (previous.Count > 0)
        {
            Publish(type, resource, previous);
        }
    }

    public JsonObject Snapshot(object resource) => renderer.Snapshot(resource);
}
