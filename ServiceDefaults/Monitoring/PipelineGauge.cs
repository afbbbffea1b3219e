namespace Cic.ServiceDefaults.Monitoring;

/// <summary>One reading of a <see cref="PipelineGauge"/>: its value, and the value of its tag when it has one (a currency, a queue).</summary>
public readonly record struct PipelineReading(double Value, string? Tag = null);

/// <summary>
/// A lag or backlog of the pipeline that on-call engineers watch: sampled from the service's state every
/// <see cref="PipelineOptions.SampleInterval"/>, exported as an OpenTelemetry gauge (meter <c>Cic.Pipeline</c>),
/// and, when it has a <see cref="ThresholdKey"/>, turning <c>/health</c> Degraded while a reading is above its
/// threshold (<c>Pipeline:Thresholds:{ThresholdKey}</c>, else <see cref="DefaultThreshold"/>).
/// </summary>
/// <param name="Name">The metric name, e.g. <c>cic.billing.meter_pushes.oldest_pending_age</c>.</param>
/// <param name="Unit">UCUM unit: <c>s</c>, or an annotation such as <c>{push}</c>.</param>
/// <param name="Description">What it measures, as the dashboard shows it.</param>
/// <param name="Read">Reads the current value(s), in a scope of its own.</param>
public sealed record PipelineGauge(
    string Name,
    string Unit,
    string Description,
    Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<PipelineReading>>> Read)
{
    /// <summary>The tag the readings' <see cref="PipelineReading.Tag"/> values go under (e.g. <c>currency</c>).</summary>
    public string? TagName { get; init; }

    /// <summary>The setting under <c>Pipeline:Thresholds</c> (in the gauge's unit) past which the service is Degraded; none: never.</summary>
    public string? ThresholdKey { get; init; }

    public double DefaultThreshold { get; init; }

    /// <summary>The Degraded reason for a reading above the threshold, e.g. "the oldest pending meter push is 2 h old".</summary>
    public Func<PipelineReading, string>? Reason { get; init; }

    /// <summary>A gauge with one value.</summary>
    public static PipelineGauge Of(string name, string unit, string description, Func<IServiceProvider, CancellationToken, Task<double>> read) =>
        new(name, unit, description, async (services, ct) => [new PipelineReading(await read(services, ct))]);

    /// <summary>Seconds since <paramref name="oldest"/> at <paramref name="now"/>, 0 when there is none.</summary>
    public static double AgeSeconds(DateTimeOffset? oldest, DateTimeOffset now) =>
        oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0;

    /// <summary>"3 h 12 min", "45 s": an age as an engineer reads it.</summary>
    public static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
            : span.TotalMinutes >= 1 ? $"{span.Minutes} min {span.Seconds} s"
            : $"{span.Seconds} s";
    }
}
