using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.Webhooks;

/// <summary>
/// A Stripe event received by webhook, stored once by its id and processed afterwards by re-reading
/// the object it names, so duplicates and any order of arrival come to the same result.
/// </summary>
public sealed class StripeEvent
{
    /// <summary>Stripe's event id (<c>evt_…</c>).</summary>
    public required string Id { get; init; }

    /// <summary>E.g. <c>invoice.payment_failed</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The id of the object the event is about (<c>in_…</c>, <c>pm_…</c>, …).</summary>
    public string? ObjectId { get; init; }

    /// <summary>The customer the object belongs to, when the event says.</summary>
    public string? CustomerId { get; init; }

    /// <summary>When Stripe created the event.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    public DateTimeOffset? ProcessedAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>
    /// When processing was given up: Stripe answered that what the event names does not exist or refused
    /// the request (4xx other than rate limits, locks and keys), so no attempt can ever succeed. The event is
    /// kept with that answer in <see cref="LastError"/> and listed to staff (<c>GET /stripe/events?status=failed</c>).
    /// </summary>
    public DateTimeOffset? FailedAt { get; set; }
}

internal sealed class StripeEventConfiguration : IEntityTypeConfiguration<StripeEvent>
{
    public void Configure(EntityTypeBuilder<StripeEvent> stripeEvent)
    {
        stripeEvent.ToTable("stripe_events");
        stripeEvent.HasKey(e => e.Id);
        stripeEvent.Property(e => e.Id).HasMaxLength(255);
        stripeEvent.Property(e => e.Type).HasMaxLength(100);
        stripeEvent.Property(e => e.ObjectId).HasMaxLength(255);
        stripeEvent.Property(e => e.CustomerId).HasMaxLength(255);
        stripeEvent.HasIndex(e => e.NextAttemptAt).HasFilter("processed_at IS NULL AND failed_at IS NULL").HasDatabaseName("ix_stripe_events_unprocessed");
    }
}
