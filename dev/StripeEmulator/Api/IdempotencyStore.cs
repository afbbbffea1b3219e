namespace Cic.StripeEmulator.Api;

/// <summary>
/// Saved results of POSTs by <c>Idempotency-Key</c>, as Stripe keeps them: a replay returns the first response verbatim,
/// a different request under the same key is a 400 <c>idempotency_error</c>, and a duplicate arriving while the first is
/// still running is a 409.
/// </summary>
internal sealed class IdempotencyStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public sealed record SavedResponse(int Status, string Body);

    private sealed class Entry(string fingerprint)
    {
        public string Fingerprint { get; } = fingerprint;

        public SavedResponse? Response { get; set; }
    }

    public enum Outcome
    {
        /// <summary>First use of the key: run the request, then <see cref="Complete"/> or <see cref="Abandon"/>.</summary>
        Execute,
        Replay,
        Mismatch,
        InProgress,
    }

    public Outcome Begin(string key, string fingerprint, out SavedResponse? saved)
    {
        lock (gate)
        {
            saved = null;
            if (!entries.TryGetValue(key, out var entry))
            {
                entries[key] = new Entry(fingerprint);
                return Outcome.Execute;
            }
            if (entry.Fingerprint != fingerprint)
            {
                return Outcome.Mismatch;
            }
            if (entry.Response is null)
            {
                return Outcome.InProgress;
            }
            saved = entry.Response;
            return Outcome.Replay;
        }
    }

    public void Complete(string key, SavedResponse response)
    {
        lock (gate)
        {
            entries[key].Response = response;
        }
    }

    /// <summary>Forget a key whose request failed validation: Stripe saves no result then, so a corrected retry may reuse it.</summary>
    public void Abandon(string key)
    {
        lock (gate)
        {
            entries.Remove(key);
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            entries.Clear();
        }
    }
}
