using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.Testing;

/// <summary>
/// Running totals of some of a service instance's own counters (e.g. <c>cic.usage.calls.duplicates</c>), from the
/// moment this is created: what the service reports having done, for a test to wait on instead of on luck or time.
/// Only that instance's meters are listened to (its <see cref="IMeterFactory"/>), so other instances in the process
/// do not count.
/// </summary>
public sealed class ServiceCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public ServiceCounters(IServiceProvider services, params string[] names)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        foreach (var name in names)
        {
            _totals[name] = 0;
        }

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && _totals.ContainsKey(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        _listener.Start();
    }

    /// <summary>The total of counter <paramref name="name"/> since this was created.</summary>
    public long this[string name] => _totals[name];

    /// <summary>Waits until the totals satisfy <paramref name="condition"/>.</summary>
    public Task WaitUntilAsync(Func<ServiceCounters, bool> condition, string what) =>
        Eventually.IsTrue(() => Task.FromResult(condition(this)), what);

    public void Dispose() => _listener.Dispose();
}
