using Cic.StripeEmulator.Hosting;

namespace Cic.StripeEmulator.Api;

/// <summary>
/// Stripe's rate limits, answered as Stripe answers them (429, <c>rate_limit</c>): API requests per second
/// (Stripe allows 25 in test mode, 100 in live mode) and, counted apart, meter-event requests per second (1,000 in
/// live mode). Token buckets holding one second's worth, refilled continuously on the emulator's clock. Off (0) by
/// default; set at start (<see cref="StripeEmulatorOptions.RequestsPerSecond"/>) or at run time (<c>/_emulator/rate-limits</c>).
/// </summary>
internal sealed class RateLimits(StripeEmulatorOptions options)
{
    private readonly Lock _gate = new();
    private readonly Bucket _requests = new(options.RequestsPerSecond);
    private readonly Bucket _meterEvents = new(options.MeterEventsPerSecond);
    private long _admitted;
    private long _limited;

    public double RequestsPerSecond => _requests.Rate;

    public double MeterEventsPerSecond => _meterEvents.Rate;

    /// <summary>Requests let through and answered 429 since start or the last <see cref="Set"/>.</summary>
    public (long Admitted, long Limited) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_admitted, _limited);
            }
        }
    }

    public void Set(double requestsPerSecond, double meterEventsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(meterEventsPerSecond);
        lock (_gate)
        {
            _requests.Reset(requestsPerSecond);
            _meterEvents.Reset(meterEventsPerSecond);
            _admitted = 0;
            _limited = 0;
        }
    }

    /// <summary>Takes a token for the request, or throws Stripe's 429.</summary>
    public void Admit(string method, string path)
    {
        var meterEvent = HttpMethods.IsPost(method) && path == "/v1/billing/meter_events" && _meterEvents.Rate > 0;
        var now = options.TimeProvider.GetTimestamp();
        lock (_gate)
        {
            if ((meterEvent ? _meterEvents : _requests).TryTake(now, options.TimeProvider.TimestampFrequency))
            {
                _admitted++;
                return;
            }

            _limited++;
        }

        throw StripeApiException.RateLimited(
            "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.", "rate_limit", shouldRetry: null);
    }

    private sealed class Bucket(double rate)
    {
        private double _tokens = Math.Max(1, rate);
        private long? _filledAt;

        public double Rate { get; private set; } = rate;

        private double Capacity => Math.Max(1, Rate);

        public void Reset(double rate)
        {
            Rate = rate;
            _tokens = Capacity;
            _filledAt = null;
        }

        public bool TryTake(long now, long frequency)
        {
            if (Rate <= 0)
            {
                return true;
            }

            // One second's worth at most: Stripe allows short bursts, not a saved-up backlog.
            _tokens = Math.Min(Capacity, _tokens + (_filledAt is { } then ? (now - then) * Rate / frequency : 0));
            _filledAt = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
