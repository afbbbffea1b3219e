using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Anomalies;

/// <summary>
/// One hour of a company's usage that broke its own recent pattern (<see cref="UsageAnomalyRule"/>).
/// At most one per company and hour, so it is announced once; open until staff close it.
/// </summary>
public sealed class UsageAnomaly
{
    public Guid Id { get; init; }

    public Guid CompanyId { get; init; }

    public DateTimeOffset WindowStart { get; init; }

    public UsageDirection Direction { get; init; }

    /// <summary>Calls in the hour when it was detected.</summary>
    public long CallCount { get; init; }

    /// <summary>The mean calls per hour over the baseline hours before it.</summary>
    public double UsualCallsPerHour { get; init; }

    public int BaselineHours { get; init; }

    public DateTimeOffset DetectedAt { get; init; }

    public DateTimeOffset? ClosedAt { get; set; }

    public string? ClosedBy { get; set; }
}

internal sealed class UsageAnomalyConfiguration : IEntityTypeConfiguration<UsageAnomaly>
{
    public void Configure(EntityTypeBuilder<UsageAnomaly> anomaly)
    {
        anomaly.ToTable("usage_anomalies");
        anomaly.HasKey(a => a.Id);
        anomaly.HasIndex(a => new { a.CompanyId, a.WindowStart }).IsUnique();
        anomaly.Property(a => a.Direction).HasConversion<string>().HasMaxLength(10);
        anomaly.Property(a => a.ClosedBy).HasMaxLength(200);
        anomaly.HasIndex(a => a.DetectedAt).HasDatabaseName("ix_usage_anomalies_open").HasFilter("closed_at IS NULL");
    }
}
