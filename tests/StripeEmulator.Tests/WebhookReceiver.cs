using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cic.StripeEmulator.Tests;

/// <summary>A real HTTP webhook receiver on loopback that records every delivery (and can be told to fail some).</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private int failuresToAnswer;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public sealed record Delivery(string Body, string Signature, string EventId, string EventType);

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    public string Url { get; private set; } = string.Empty;

    /// <summary>The next <paramref name="count"/> deliveries get a 500, to exercise the emulator's retries.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref failuresToAnswer, count);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/webhooks", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref receiver.failuresToAnswer) >= 0)
            {
                return Results.StatusCode(500);
            }
            Interlocked.Exchange(ref receiver.failuresToAnswer, 0);
            using var json = System.Text.Json.JsonDocument.Parse(body);
            receiver.Deliveries.Enqueue(new Delivery(
                body,
                http.Request.Headers["Stripe-Signature"].ToString(),
                json.RootElement.GetProperty("id").GetString()!,
                json.RootElement.GetProperty("type").GetString()!));
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = $"{address}/webhooks";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
