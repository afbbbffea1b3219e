using System.Collections.Concurrent;
using System.Globalization;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Billing;

/// <summary>
/// Billing meters, meter events (v1), adjustments and event summaries. Meter events follow Stripe's rules:
/// identifiers are unique (the emulator never forgets them, Stripe guarantees at least 24 hours), timestamps must lie
/// within the past 35 days and at most 5 minutes ahead, and only one call per customer and meter may run at a time.
/// </summary>
internal sealed class MetersEndpoints(EmulatorState state, EventPublisher events, StripeEmulatorOptions options) : IApiEndpoints
{
    private const long MaxPastSeconds = 35L * 24 * 3600;
    private const long MaxFutureSeconds = 5 * 60;

    /// <summary>(customer, meter) pairs with a meter-event call in flight.</summary>
    private readonly ConcurrentDictionary<(string Customer, string Meter), byte> inFlight = new();

    public void Map(StripeRouter router)
    {
        router.Post("/v1/billing/meters", Create);
        router.Get("/v1/billing/meters/{id}", req => state.Meters.Get(req.Route("id")));
        router.Post("/v1/billing/meters/{id}", Update);
        router.Post("/v1/billing/meters/{id}/deactivate", req => SetStatus(req, "inactive"));
        router.Post("/v1/billing/meters/{id}/reactivate", req => SetStatus(req, "active"));
        router.Get("/v1/billing/meters", List);
        router.Get("/v1/billing/meters/{id}/event_summaries", Summaries);
        router.PostAsync("/v1/billing/meter_events", CreateEventAsync);
        router.Post("/v1/billing/meter_event_adjustments", Adjust);
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("display_name", "event_name", "default_aggregation", "customer_mapping", "value_settings", "event_time_window");
        var eventName = p.RequiredString("event_name");
        if (state.Meters.All.Any(m => m.EventName == eventName))
        {
            throw StripeApiException.Invalid($"A meter with event_name '{eventName}' already exists.", "event_name");
        }
        if (p.Has("customer_mapping") && p.OneOf("customer_mapping[type]", "by_id") is null)
        {
            throw StripeApiException.RequiredParameter("customer_mapping[type]");
        }
        var now = state.RealNow;
        var meter = state.Meters.Add(new Meter
        {
            Id = Ids.New("mtr"),
            DisplayName = p.RequiredString("display_name"),
            EventName = eventName,
            DefaultAggregation = new MeterAggregation
            {
                Formula = p.OneOf("default_aggregation[formula]", "sum", "count", "last") ?? throw StripeApiException.RequiredParameter("default_aggregation[formula]"),
            },
            CustomerMapping = new MeterCustomerMapping
            {
                EventPayloadKey = p.String("customer_mapping[event_payload_key]") ?? "stripe_customer_id",
            },
            ValueSettings = new MeterValueSettings { EventPayloadKey = p.String("value_settings[event_payload_key]") ?? "value" },
            EventTimeWindow = p.OneOf("event_time_window", "day", "hour"),
            Created = now,
            Updated = now,
        });
        events.Publish("billing.meter.created", meter);
        return meter;
    }

    private object Update(ApiRequest req)
    {
        var meter = state.Meters.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("display_name");
        var before = events.Snapshot(meter);
        meter.DisplayName = p.String("display_name") ?? meter.DisplayName;
        meter.Updated = state.RealNow;
        events.PublishChanges("billing.meter.updated", meter, before);
        return meter;
    }

    private Meter SetStatus(ApiRequest req, string status)
    {
        var meter = state.Meters.Get(req.Route("id"));
        req.Params.Accept();
        meter.Status = status;
        meter.StatusTransitions.DeactivatedAt = status == "inactive" ? state.RealNow : null;
        meter.Updated = state.RealNow;
        events.Publish(status == "inactive" ? "billing.meter.deactivated" : "billing.meter.reactivated", meter);
        return meter;
    }

    private object List(ApiRequest req)
    {
        var status = req.Params.OneOf("status", "active", "inactive");
        return Pagination.Page(state.Meters.All.Where(m => status is null || m.Status == status), req.Params, "/v1/billing/meters");
    }

    private object Summaries(ApiRequest req)
    {
        var meter = state.Meters.Get(req.Route("id"));
        var p = req.Params;
        var customer = p.RequiredString("customer");
        var start = p.Long("start_time") ?? throw StripeApiException.RequiredParameter("start_time");
        var end = p.Long("end_time") ?? throw StripeApiException.RequiredParameter("end_time");
        if (end <= start)
        {
            throw StripeApiException.Invalid("end_time must be after start_time.", "end_time");
        }
        var window = p.OneOf("value_grouping_window", "hour", "day") switch
        {
            "hour" => 3600L,
            "day" => 86400L,
            _ => end - start,
        };
        var summaries = new List<MeterEventSummary>();
        for (var from = start; from < end; from += window)
        {
            var to = Math.Min(from + window, end);
            summaries.Add(new MeterEventSummary
            {
                Id = $"mtrusg_{meter.Id[4..]}_{from}_{to}",
                Meter = meter.Id,
                StartTime = from,
                EndTime = to,
                AggregatedValue = MeterUsage.Aggregate(meter, customer, from, to),
            });
        }
        // Like every Stripe list, newest window first.
        summaries.Reverse();
        return Pagination.Page(summaries, p, $"/v1/billing/meters/{meter.Id}/event_summaries", s => s.Id);
    }

    private async Task<object> CreateEventAsync(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("event_name", "payload", "identifier", "timestamp");
        var eventName = p.RequiredString("event_name");
        var payload = p.NewMap("payload");
        if (payload.Count == 0)
        {
            throw StripeApiException.RequiredParameter("payload");
        }

        Meter meter;
        string customerId;
        lock (state.Gate)
        {
            meter = state.Meters.All.FirstOrDefault(m => m.EventName == eventName && m.Status == "active")
                ?? throw StripeApiException.Invalid($"No active meter found for event_name '{eventName}'.", "event_name", "meter_event_no_meter_found");
            customerId = payload.GetValueOrDefault(meter.CustomerMapping.EventPayloadKey)
                ?? throw StripeApiException.Invalid($"The payload is missing the customer key '{meter.CustomerMapping.EventPayloadKey}'.", $"payload[{meter.CustomerMapping.EventPayloadKey}]", "meter_event_no_customer_defined");
        }

        // Stripe allows one concurrent meter-event call per customer per meter, and answers a second with a 429.
        if (!inFlight.TryAdd((customerId, meter.Id), 0))
        {
            throw StripeApiException.RateLimited(
                "Too many concurrent requests for this customer and meter. Stripe allows one concurrent meter event request per customer per meter.",
                "rate_limit", shouldRetry: null)
                .WithHeader("Stripe-Rate-Limited-Reason", "resource-specific");
        }
        try
        {
            if (options.MeterEventProcessingDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.MeterEventProcessingDelay);
            }
            lock (state.Gate)
            {
                return Record(p, meter, eventName, customerId, payload);
            }
        }
        finally
        {
            inFlight.TryRemove((customerId, meter.Id), out _);
        }
    }

    private MeterEvent Record(ApiParams p, Meter meter, string eventName, string customerId, Dictionary<string, string> payload)
    {
        var now = state.NowForCustomer(customerId);
        var timestamp = p.Long("timestamp") ?? now;
        if (timestamp < now - MaxPastSeconds)
        {
            throw StripeApiException.Invalid("Timestamp must be within the past 35 calendar days.", "timestamp", "timestamp_too_far_in_past");
        }
        if (timestamp > now + MaxFutureSeconds)
        {
            throw StripeApiException.Invalid("Timestamp must not be more than 5 minutes in the future.", "timestamp", "timestamp_in_future");
        }
        var rawValue = payload.GetValueOrDefault(meter.ValueSettings.EventPayloadKey);
        decimal value = 1;
        if (meter.DefaultAggregation.Formula != "count" &&
            (rawValue is null || !decimal.TryParse(rawValue, NumberStyles.Number, CultureInfo.InvariantCulture, out value)))
        {
            throw StripeApiException.Invalid(
                $"The payload value '{meter.ValueSettings.EventPayloadKey}' must be a number.", $"payload[{meter.ValueSettings.EventPayloadKey}]", "meter_event_invalid_value");
        }

        var identifier = p.String("identifier") ?? Ids.New("mevt", 20);
        if (identifier.Length > 100)
        {
            throw StripeApiException.Invalid("identifier must be at most 100 characters.", "identifier");
        }
        if (state.MeterEventsByIdentifier.ContainsKey(identifier))
        {
            // Real Stripe: 400 with Stripe-Should-Retry: false; clients treat it as "already recorded".
            throw StripeApiException.Invalid($"An event already exists with identifier {identifier}.", "identifier", "duplicate_meter_event")
                .WithHeader("Stripe-Should-Retry", "false");
        }
        var meterEvent = new MeterEvent
        {
            EventName = eventName,
            Identifier = identifier,
            Payload = payload,
            Timestamp = timestamp,
            Created = now,
            CustomerId = customerId,
            Value = value,
        };
        meter.Events.Add(meterEvent);
        state.MeterEventsByIdentifier[identifier] = meterEvent;
        return meterEvent;
    }

    private object Adjust(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("event_name", "type", "cancel");
        var eventName = p.RequiredString("event_name");
        if ((p.OneOf("type", "cancel") ?? throw StripeApiException.RequiredParameter("type")) != "cancel")
        {
            throw StripeApiException.Invalid("Only cancel adjustments are supported.", "type");
        }
        var identifier = p.String("cancel[identifier]") ?? throw StripeApiException.RequiredParameter("cancel[identifier]");
        if (!state.MeterEventsByIdentifier.TryGetValue(identifier, out var meterEvent) || meterEvent.EventName != eventName)
        {
            throw StripeApiException.Invalid($"No meter event with identifier '{identifier}' for event_name '{eventName}'.", "cancel[identifier]", "resource_missing");
        }
        if (meterEvent.Created < state.NowForCustomer(meterEvent.CustomerId) - (24 * 3600))
        {
            throw StripeApiException.Invalid("Only meter events received within the last 24 hours can be cancelled.", "cancel[identifier]");
        }
        meterEvent.Cancelled = true;
        return new MeterEventAdjustment { EventName = eventName, Cancel = new MeterEventAdjustmentCancel { Identifier = identifier } };
    }
}
