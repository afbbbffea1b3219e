using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.State;
using Cic.StripeEmulator.Subscriptions;

namespace Cic.StripeEmulator.TestClocks;

/// <summary>
/// <c>/v1/test_helpers/test_clocks</c>. Advancing is asynchronous as on Stripe: the call answers with
/// <c>status=advancing</c>, the billing work runs in the background, and the clock turns <c>ready</c> when done.
/// </summary>
internal sealed class TestClocksEndpoints(
    EmulatorState state,
    EventPublisher events,
    BillingScheduler scheduler,
    SubscriptionService subscriptions,
    ILogger<TestClocksEndpoints> logger) : IApiEndpoints
{
    public void Map(StripeRouter router)
    {
        router.Post("/v1/test_helpers/test_clocks", Create);
        router.Get("/v1/test_helpers/test_clocks/{id}", req => state.TestClocks.Get(req.Route("id")));
        router.Delete("/v1/test_helpers/test_clocks/{id}", Delete);
        router.Get("/v1/test_helpers/test_clocks", req => Pagination.Page(state.TestClocks.All, req.Params, "/v1/test_helpers/test_clocks"));
        router.Post("/v1/test_helpers/test_clocks/{id}/advance", Advance);
    }

    private object Create(ApiRequest req)
    {
        var p = req.Params;
        p.Accept("frozen_time", "name");
        return Create(Ids.New("clock"), p.Long("frozen_time") ?? throw StripeApiException.RequiredParameter("frozen_time"), p.String("name"));
    }

    /// <summary>A new clock; the caller holds the state's lock. The dashboard set-up names its clock's id itself.</summary>
    internal TestClock Create(string id, long frozenTime, string? name)
    {
        var clock = state.TestClocks.Add(new TestClock
        {
            Id = id,
            FrozenTime = frozenTime,
            Name = name,
            Created = state.RealNow,
        });
        events.Publish("test_helpers.test_clock.created", clock);
        return clock;
    }

    private object Advance(ApiRequest req)
    {
        var clock = state.TestClocks.Get(req.Route("id"));
        var p = req.Params;
        p.Accept("frozen_time");
        var target = p.Long("frozen_time") ?? throw StripeApiException.RequiredParameter("frozen_time");
        if (clock.Status == "advancing")
        {
            throw StripeApiException.InvalidState("The test clock is already advancing. Wait until it is ready before advancing again.", "test_clock_advancing");
        }
        if (target <= clock.FrozenTime)
        {
            throw StripeApiException.Invalid("The frozen_time must be after the test clock's current frozen_time.", "frozen_time");
        }
        clock.Status = "advancing";
        clock.TargetFrozenTime = target;
        events.Publish("test_helpers.test_clock.advancing", clock);
        var response = events.Snapshot(clock);
        _ = Task.Run(() => RunAdvance(clock.Id, target));
        return response;
    }

    private void RunAdvance(string clockId, long target)
    {
        lock (state.Gate)
        {
            if (!state.TestClocks.TryGet(clockId, out var clock) || clock.Status != "advancing")
            {
                return;
            }
            try
            {
                scheduler.RunUntil(clockId, target);
                clock.Status = "ready";
                clock.TargetFrozenTime = null;
                events.Publish("test_helpers.test_clock.ready", clock);
            }
            catch (Exception error)
            {
                Log.ClockAdvanceFailed(logger, error, clockId);
                clock.Status = "internal_failure";
                events.Publish("test_helpers.test_clock.internal_failure", clock);
            }
        }
    }

    private object Delete(ApiRequest req)
    {
        var clock = state.TestClocks.Get(req.Route("id"));
        // Deleting a clock deletes the customers on it and ends their subscriptions, as on Stripe.
        foreach (var subscription in state.Subscriptions.All.Where(s => s.TestClock == clock.Id && s.Status != "canceled").ToList())
        {
            subscriptions.Cancel(subscription, "cancellation_requested");
        }
        foreach (var customer in state.Customers.All.Where(c => c.TestClock == clock.Id && !c.Deleted))
        {
            customer.Deleted = true;
            events.Publish("customer.deleted", customer);
        }
        state.TestClocks.Remove(clock.Id);
        events.Publish("test_helpers.test_clock.deleted", clock);
        return new { id = clock.Id, @object = "test_helpers.test_clock", deleted = true };
    }
}
