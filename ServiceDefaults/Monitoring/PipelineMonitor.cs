using Cic.ServiceDefaults.Background;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults.Monitoring;

/// <summary>
/// Samples every registered <see cref="PipelineGauge"/> in turn, keeps the last readings for the meter
/// <c>Cic.Pipeline</c> to export, and is the <c>pipeline</c> health check: Degraded, naming each reading above
/// its threshold, until the readings are back under. A gauge that cannot be read keeps its last readings and
/// is logged once until it reads again.
/// </summary>
public sealed partial class PipelineMonitor : IBackgroundWork, IHealthCheck
{
    public const string MeterName = "Cic.Pipeline";

    private readonly IReadOnlyList<PipelineGauge> _gauges;
    private readonly IServiceScopeFactory _scopes;
    private readonly PipelineOptions _options;
    private readonly ILogger<PipelineMonitor> _log;
    private readonly Dictionary<string, IReadOnlyList<PipelineReading>> _readings = [];
    private readonly HashSet<string> _failing = [];
    private readonly Lock _lock = new();
    private string _lagging = "";
    private readonly TaskCompletionSource _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PipelineMonitor(IEnumerable<PipelineGauge> gauges, IServiceScopeFactory scopes, IOptions<PipelineOptions> options, IMeterFactory meters, ILogger<PipelineMonitor> log)
    {
        _gauges = gauges.ToList();
        _scopes = scopes;
        _options = options.Value;
        _log = log;
        var meter = meters.Create(MeterName);
        foreach (var gauge in _gauges)
        {
            meter.CreateObservableGauge(gauge.Name, () => Observe(gauge), gauge.Unit, gauge.Description);
        }
    }

    /// <summary>Completes once every gauge has been read once (tests wait on it instead of on time).</summary>
    public Task FirstPass => _firstPass.Task;

    /// <summary>The last readings of the gauge named <paramref name="name"/>.</summary>
    public IReadOnlyList<PipelineReading> Readings(string name)
    {
        lock (_lock)
        {
            return _readings.TryGetValue(name, out var readings) ? readings : [];
        }
    }

    /// <summary>Reads every gauge now.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        foreach (var gauge in _gauges)
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                var readings = await gauge.Read(scope.ServiceProvider, cancellationToken);
                lock (_lock)
                {
                    _readings[gauge.Name] = readings;
                    _failing.Remove(gauge.Name);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                bool first;
                lock (_lock)
                {
                    first = _failing.Add(gauge.Name);
                }

                if (first)
                {
                    LogReadFailed(gauge.Name, e.GetType().Name, e.Message);
                }
            }
        }
    }

    public TimeSpan PollInterval => _options.SampleInterval;

    public async Task<bool> RunPassAsync(CancellationToken cancellationToken)
    {
        await SampleAsync(cancellationToken);
        _firstPass.TrySetResult();
        return false;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reasons = new List<string>();
        var lagging = new List<string>();
        var data = new Dictionary<string, object>();
        foreach (var gauge in _gauges.Where(g => g.ThresholdKey is not null))
        {
            var threshold = _options.Thresholds.TryGetValue(gauge.ThresholdKey!, out var configured) ? configured : gauge.DefaultThreshold;
            foreach (var reading in Readings(gauge.Name).Where(r => r.Value > threshold))
            {
                reasons.Add(gauge.Reason?.Invoke(reading)
                    ?? string.Create(CultureInfo.InvariantCulture, $"{gauge.Name}{(reading.Tag is null ? "" : $" ({reading.Tag})")} is {reading.Value:0.##}"));
                data[gauge.ThresholdKey!] = threshold;
                lagging.Add(reading.Tag is null ? gauge.Name : $"{gauge.Name} ({reading.Tag})");
            }
        }

        // Probes ask every few seconds: the log says when the state changes, not each time it is asked.
        var now = string.Join(", ", lagging);
        if (Interlocked.Exchange(ref _lagging, now) != now)
        {
            if (lagging.Count > 0)
            {
                LogDegraded(string.Join("; ", reasons));
            }
            else
            {
                LogRecovered();
            }
        }

        return Task.FromResult(reasons.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded(string.Join("; ", reasons), data: data));
    }

    private IEnumerable<Measurement<double>> Observe(PipelineGauge gauge) =>
        Readings(gauge.Name).Select(r => r.Tag is null || gauge.TagName is null
            ? new Measurement<double>(r.Value)
            : new Measurement<double>(r.Value, new KeyValuePair<string, object?>(gauge.TagName, r.Tag)));

    [LoggerMessage(LogLevel.Warning, "Pipeline Degraded: {Reasons} (docs/runbook.md)")]
    private partial void LogDegraded(string reasons);

    [LoggerMessage(LogLevel.Information, "Pipeline healthy again: every lag is under its threshold")]
    private partial void LogRecovered();

    [LoggerMessage(LogLevel.Warning, "Pipeline gauge {Gauge} could not be read ({ExceptionType}: {Message}); its last value stays until it reads again")]
    private partial void LogReadFailed(string gauge, string exceptionType, string message);
}
