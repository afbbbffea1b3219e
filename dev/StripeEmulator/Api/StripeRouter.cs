using Cic.StripeEmulator.Events;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Api;

/// <summary>A resource's endpoints; every implementation is registered in DI and maps itself at start-up.</summary>
internal interface IApiEndpoints
{
    void Map(StripeRouter router);
}

/// <summary>
/// Maps Stripe API routes. A handler runs under the state lock, returns the object to send, and the router renders
/// it (with <c>expand</c>) as a 200 — Stripe.net treats any other success status as an error.
/// </summary>
internal sealed class StripeRouter(IEndpointRouteBuilder app, EmulatorState state, ObjectRenderer renderer)
{
    public void Get(string pattern, Func<ApiRequest, object> handler) => Map(HttpMethods.Get, pattern, handler);

    public void Post(string pattern, Func<ApiRequest, object> handler) => Map(HttpMethods.Post, pattern, handler);

    public void Delete(string pattern, Func<ApiRequest, object> handler) => Map(HttpMethods.Delete, pattern, handler);

    /// <summary>For the rare handler that must wait outside the lock (meter events); it takes the lock itself.</summary>
    public void PostAsync(string pattern, Func<ApiRequest, Task<object>> handler) =>
        app.MapMethods(pattern, [HttpMethods.Post], async (HttpContext http) =>
        {
            var request = await ApiRequest.ReadAsync(http);
            var result = await handler(request);
            string json;
            lock (state.Gate)
            {
                json = renderer.Render(result, request.Params.Expand).ToJsonString(ObjectRenderer.Json);
            }
            await WriteAsync(http, json);
        });

    private void Map(string method, string pattern, Func<ApiRequest, object> handler) =>
        app.MapMethods(pattern, [method], async (HttpContext http) =>
        {
            var request = await ApiRequest.ReadAsync(http);
            string json;
            lock (state.Gate)
            {
                state.CurrentRequest = new EventRequest { Id = request.RequestId, IdempotencyKey = request.IdempotencyKey };
                try
                {
                    json = renderer.Render(handler(request), request.Params.Expand).ToJsonString(ObjectRenderer.Json);
                }
                finally
                {
                    state.CurrentRequest = null;
                }
            }
            await WriteAsync(http, json);
        });

    private static async Task WriteAsync(HttpContext http, string json)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json);
    }
}
