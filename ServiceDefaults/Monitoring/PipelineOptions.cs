namespace Cic.ServiceDefaults.Monitoring;

/// <summary>The <c>Pipeline</c> section: how often the gauges are sampled and where they turn the service Degraded.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    [PositiveDuration]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per <see cref="PipelineGauge.ThresholdKey"/>, in the gauge's unit (seconds for ages).</summary>
    public Dictionary<string, double> Thresholds { get; set; } = [];
}
