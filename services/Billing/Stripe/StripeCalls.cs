using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace Cic.Billing.Stripe;

/// <summary>
/// What on-call watches of Billing's calls to Stripe (meter <c>Cic.Billing.Stripe</c>), attempt by attempt:
/// <c>cic.billing.stripe.requests</c> by outcome (<c>ok</c>, <c>4xx</c>, <c>429</c>, <c>5xx</c>, <c>timeout</c>: no answer,
/// timed out or the connection failed), their latency, and how many attempts in a row Stripe has failed to
/// answer (429, 5xx or no answer): the sign of an outage that turns <c>/health</c> Degraded.
/// </summary>
public sealed class StripeCalls
{
    public const string MeterName = "Cic.Billing.Stripe";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private int _failingInARow;

    public StripeCalls(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("cic.billing.stripe.requests", "{request}", "HTTP requests (each attempt) to the Stripe API, by outcome: ok, 4xx, 429, 5xx, timeout");
        _duration = meter.CreateHistogram<double>("cic.billing.stripe.request.duration", "s", "How long Stripe took to answer each attempt, by outcome");
    }

    /// <summary>Attempts in a row that Stripe failed to answer (429, 5xx, no answer), since the last one it answered.</summary>
    public int FailingInARow => Volatile.Read(ref _failingInARow);

    public void Record(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _requests.Add(1, tag);
        _duration.Record(elapsed.TotalSeconds, tag);
        if (outcome is "ok" or "4xx")
        {
            Interlocked.Exchange(ref _failingInARow, 0);
        }
        else
        {
            Interlocked.Increment(ref _failingInARow);
        }
    }

    public static string OutcomeOf(HttpStatusCode status) => (int)status switch
    {
        429 => "429",
        >= 500 => "5xx",
        >= 400 => "4xx",
        _ => "ok",
    };
}

/// <summary>Inside the retry handler, so each attempt is counted with its own outcome.</summary>
public sealed class StripeCallsHandler(StripeCalls calls) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            calls.Record(StripeCalls.OutcomeOf(response.StatusCode), Stopwatch.GetElapsedTime(started));
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException)
        {
            calls.Record("timeout", Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}
