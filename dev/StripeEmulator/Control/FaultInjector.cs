using Cic.StripeEmulator.Api;

namespace Cic.StripeEmulator.Control;

/// <summary>
/// Faults armed through <c>POST /_emulator/faults</c> for the next N API requests: an error status (5xx or 429,
/// with or without <c>Stripe-Should-Retry</c>) and/or added latency. Faults strike before idempotency handling,
/// as if the request never reached Stripe's endpoint, so a retry with the same key really executes.
/// </summary>
internal sealed class FaultInjector
{
    private readonly Lock gate = new();
    private readonly List<Fault> faults = [];

    internal sealed class Fault
    {
        public int Remaining { get; set; }

        public int? Status { get; init; }

        public bool? ShouldRetry { get; init; }

        public TimeSpan Latency { get; init; }

        public string? PathPrefix { get; init; }

        public string? Method { get; init; }

        public bool Matches(string method, string path) =>
            (PathPrefix is null || path.StartsWith(PathPrefix, StringComparison.Ordinal)) &&
            (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase));

        public StripeApiException? ToError() => Status switch
        {
            null => null,
            429 => StripeApiException.RateLimited(
                ShouldRetry == true
                    ? "This object cannot be accessed right now because another API request or Stripe process is currently accessing it."
                    : "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                ShouldRetry == true ? "lock_timeout" : "rate_limit",
                ShouldRetry),
            >= 500 => StripeApiException.ApiError(Status.Value, "An unknown error occurred (injected by the Stripe emulator).", ShouldRetry),
            _ => throw new InvalidOperationException($"Fault status {Status} is neither 429 nor 5xx."),
        };
    }

    public void Arm(Fault fault)
    {
        lock (gate)
        {
            faults.Add(fault);
        }
    }

    /// <summary>Consumes one use of the first armed fault matching this request, if any.</summary>
    public Fault? Take(string method, string path)
    {
        lock (gate)
        {
            var fault = faults.FirstOrDefault(f => f.Matches(method, path));
            if (fault is null)
            {
                return null;
            }
            if (--fault.Remaining <= 0)
            {
                faults.Remove(fault);
            }
            return fault;
        }
    }

    public int Pending
    {
        get
        {
            lock (gate)
            {
                return faults.Sum(f => f.Remaining);
            }
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            faults.Clear();
        }
    }
}
