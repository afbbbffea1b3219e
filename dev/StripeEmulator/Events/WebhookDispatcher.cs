using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Cic.StripeEmulator.Api;
using Cic.StripeEmulator.Hosting;
using Cic.StripeEmulator.State;

namespace Cic.StripeEmulator.Events;

/// <summary>
/// Delivers events to webhook endpoints in the background: signed like Stripe at send time with the real clock,
/// retried on failure, and — through <c>/_emulator/webhooks/*</c> switches — dropped, duplicated, reordered or held,
/// so that receivers can prove they are idempotent and order-independent.
/// </summary>
internal sealed class WebhookDispatcher(
    StripeEmulatorOptions options,
    EmulatorState state,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int LogCapacity = 2000;

    private readonly Channel<Delivery> queue = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = options.WebhookTimeout,
    };
    private readonly Lock gate = new();
    private readonly List<WebhookDeliveryAttempt> log = [];
    private readonly List<Delivery[]> reorderBuffer = [];
    private readonly List<Delivery[]> held = [];
    private int generation;
    private int dropNext;
    private int duplicateNext;
    private int reorderNext;
    private bool holding;

    /// <summary>One event on its way to one endpoint.</summary>
    internal sealed record Delivery(string EventId, string EventType, string EndpointId, string Url, string Secret, string Payload, int Attempt, int Generation);

    /// <summary>Called under the state lock with the event already rendered; never blocks.</summary>
    public void Enqueue(string eventId, string type, string payload, IReadOnlyList<WebhookEndpoint> endpoints)
    {
        Delivery[] batch;
        lock (gate)
        {
            batch = endpoints.Select(e => new Delivery(eventId, type, e.Id, e.Url, e.Secret, payload, 1, generation)).ToArray();
            if (dropNext > 0)
            {
                dropNext--;
                Log.WebhookDropped(logger, eventId, type);
                return;
            }
            var copies = 1;
            if (duplicateNext > 0)
            {
                duplicateNext--;
                copies = 2;
            }
            for (var i = 0; i < copies; i++)
            {
                if (reorderNext > 0)
                {
                    // Collect the next N events and send them newest first once all N have happened.
                    reorderBuffer.Add(batch);
                    if (reorderBuffer.Count >= reorderNext)
                    {
                        reorderNext = 0;
                        var reversed = Enumerable.Reverse(reorderBuffer).ToList();
                        reorderBuffer.Clear();
                        reversed.ForEach(Release);
                    }
                }
                else
                {
                    Release(batch);
                }
            }
        }
    }

    public void DropNext(int count)
    {
        lock (gate)
        {
            dropNext = count;
        }
    }

    public void DuplicateNext(int count)
    {
        lock (gate)
        {
            duplicateNext = count;
        }
    }

    /// <summary>Holds the next <paramref name="count"/> events and delivers them in reverse order once they have all occurred.</summary>
    public void ReorderNext(int count)
    {
        lock (gate)
        {
            reorderNext = count;
        }
    }

    public void Hold()
    {
        lock (gate)
        {
            holding = true;
        }
    }

    /// <summary>Stops holding and sends what was held, in order or reversed.</summary>
    public int ReleaseHeld(bool reverse)
    {
        lock (gate)
        {
            holding = false;
            var batches = reverse ? Enumerable.Reverse(held).ToList() : held.ToList();
            held.Clear();
            // Events still waiting to be reordered go out too, so nothing stays stuck.
            batches.AddRange(Enumerable.Reverse(reorderBuffer));
            reorderBuffer.Clear();
            reorderNext = 0;
            batches.ForEach(b => Array.ForEach(b, d => queue.Writer.TryWrite(d)));
            return batches.Count;
        }
    }

    public IReadOnlyList<WebhookDeliveryAttempt> Deliveries()
    {
        lock (gate)
        {
            return log.ToList();
        }
    }

    public void Reset()
    {
        lock (gate)
        {
            generation++;
            dropNext = duplicateNext = reorderNext = 0;
            holding = false;
            held.Clear();
            reorderBuffer.Clear();
            log.Clear();
        }
    }

    public static string SignatureHeader(string payload, string secret, long timestamp)
    {
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(signature)}";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var delivery in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(delivery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; undelivered events are lost like the rest of the in-memory state.
        }
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    private void Release(Delivery[] batch)
    {
        if (holding)
        {
            held.Add(batch);
            return;
        }
        foreach (var delivery in batch)
        {
            queue.Writer.TryWrite(delivery);
        }
    }

    private async Task DeliverAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        lock (gate)
        {
            if (delivery.Generation != generation)
            {
                return;
            }
        }
        int? status = null;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", SignatureHeader(delivery.Payload, delivery.Secret, state.RealNow));
            request.Headers.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
            using var response = await http.SendAsync(request, stoppingToken);
            status = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            error = e.Message;
        }

        var succeeded = status is >= 200 and < 300;
        lock (gate)
        {
            if (log.Count >= LogCapacity)
            {
                log.RemoveAt(0);
            }
            log.Add(new WebhookDeliveryAttempt(delivery.EventId, delivery.EventType, delivery.EndpointId, delivery.Url, delivery.Attempt, status, error, state.RealNow));
        }
        if (succeeded)
        {
            lock (state.Gate)
            {
                if (state.Events.TryGet(delivery.EventId, out var evt) && evt.PendingWebhooks > 0)
                {
                    evt.PendingWebhooks--;
                }
            }
            return;
        }

        Log.WebhookFailed(logger, delivery.EventId, delivery.Url, delivery.Attempt, status, error);
        if (delivery.Attempt <= options.WebhookRetrySeconds.Count)
        {
            var delay = TimeSpan.FromSeconds(options.WebhookRetrySeconds[delivery.Attempt - 1]);
            _ = RetryLaterAsync(delivery with { Attempt = delivery.Attempt + 1 }, delay, stoppingToken);
        }
    }

    private async Task RetryLaterAsync(Delivery delivery, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
            // Stripe stops retrying to endpoints that were disabled or deleted meanwhile.
            bool stillEnabled;
            lock (state.Gate)
            {
                stillEnabled = state.WebhookEndpoints.TryGet(delivery.EndpointId, out var endpoint) && endpoint.Status == "enabled";
            }
            if (stillEnabled)
            {
                queue.Writer.TryWrite(delivery);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
