using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.Invoices;

/// <summary>
/// Stripe's invoice as last read from Stripe, the source of truth for amounts and payment status.
/// Amounts are integer minor units in <see cref="Currency"/>.
/// </summary>
public sealed partial class Invoice
{
    /// <summary>Stripe's invoice id (<c>in_…</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The billing account whose customer it belongs to, if the customer is one of the platform's.</summary>
    public Guid? AccountId { get; set; }

    public required string StripeCustomerId { get; set; }

    public string? SubscriptionId { get; set; }

    public string? Number { get; set; }

    /// <summary>Stripe's status: <c>draft</c>, <c>open</c>, <c>paid</c>, <c>uncollectible</c> or <c>void</c>.</summary>
    public required string Status { get; set; }

    public string? BillingReason { get; set; }

    public required string Currency { get; set; }

    public long AmountDue { get; set; }

    public long AmountPaid { get; set; }

    public long AmountRemaining { get; set; }

    public long Subtotal { get; set; }

    public long Total { get; set; }

    /// <summary>Credit notes issued before payment (lowering what is owed).</summary>
    public long PrePaymentCreditNotesAmount { get; set; }

    /// <summary>Credit notes issued after payment (refunds or customer credit).</summary>
    public long PostPaymentCreditNotesAmount { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public DateTimeOffset? DueDate { get; set; }

    public int AttemptCount { get; set; }

    public DateTimeOffset? NextPaymentAttempt { get; set; }

    /// <summary>
    /// The decline code (else the error code) of the latest failed payment attempt, e.g. <c>insufficient_funds</c>;
    /// kept after a later attempt succeeds.
    /// </summary>
    public string? LastPaymentError { get; set; }

    public string? HostedInvoiceUrl { get; set; }

    public string? InvoicePdf { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? FinalizedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public DateTimeOffset SyncedAt { get; set; }

    /// <summary>When InvoiceIssued was published for it.</summary>
    public DateTimeOffset? IssuedReportedAt { get; set; }

    /// <summary>When InvoicePastDue was published for it.</summary>
    public DateTimeOffset? PastDueReportedAt { get; set; }

    /// <summary>
    /// The failed payment attempts already accounted for in events (the first by InvoicePastDue, later ones by
    /// PaymentRetryFailed). Counts manual attempts too, which Stripe's <see cref="AttemptCount"/> does not.
    /// </summary>
    public int ReportedAttemptCount { get; set; }

    /// <summary>When InvoicePaid was published for it.</summary>
    public DateTimeOffset? PaidReportedAt { get; set; }

    public List<InvoiceLine> Lines { get; init; } = [];
}

/// <summary>A line of an invoice: for the metered price, the calls billed in the period.</summary>
public sealed class InvoiceLine
{
    public required string InvoiceId { get; init; }

    /// <summary>Stripe's line id (<c>il_…</c>).</summary>
    public required string Id { get; init; }

    public string? Description { get; set; }

    public long? Quantity { get; set; }

    public long Amount { get; set; }

    public required string Currency { get; set; }

    public string? PriceId { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }
}

/// <summary>A payment retry triggered through the API: who asked, with which card, and what Stripe answered.</summary>
public sealed class PaymentRetry
{
    public Guid Id { get; init; }

    public required string InvoiceId { get; init; }

    public string? PaymentMethodId { get; init; }

    public required string RequestedBy { get; init; }

    public bool RequestedByStaff { get; init; }

    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>
    /// <c>pending</c> (asked; Stripe's answer never arrived — the invoice's state shows what happened),
    /// <c>succeeded</c> or <c>failed</c>.
    /// </summary>
    public required string Outcome { get; set; }

    public string? FailureCode { get; set; }

    public string? FailureMessage { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> invoice)
    {
        invoice.ToTable("invoices");
        invoice.HasKey(i => i.Id);
        invoice.Property(i => i.Id).HasMaxLength(255);
        invoice.Property(i => i.StripeCustomerId).HasMaxLength(255);
        invoice.Property(i => i.SubscriptionId).HasMaxLength(255);
        invoice.Property(i => i.Number).HasMaxLength(100);
        invoice.Property(i => i.Status).HasMaxLength(30);
        invoice.Property(i => i.BillingReason).HasMaxLength(50);
        invoice.Property(i => i.Currency).HasMaxLength(3);
        invoice.Property(i => i.LastPaymentError).HasMaxLength(100);
        invoice.Ignore(i => i.IsIssued);
        invoice.HasIndex(i => new { i.AccountId, i.CreatedAt });
        invoice.HasIndex(i => new { i.Status, i.CreatedAt });
        invoice.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> line)
    {
        line.ToTable("invoice_lines");
        line.HasKey(l => new { l.InvoiceId, l.Id });
        line.Property(l => l.Id).HasMaxLength(255);
        line.Property(l => l.Currency).HasMaxLength(3);
        line.Property(l => l.PriceId).HasMaxLength(255);
    }
}

internal sealed class PaymentRetryConfiguration : IEntityTypeConfiguration<PaymentRetry>
{
    public void Configure(EntityTypeBuilder<PaymentRetry> retry)
    {
        retry.ToTable("payment_retries");
        retry.HasKey(r => r.Id);
        retry.Property(r => r.InvoiceId).HasMaxLength(255);
        retry.Property(r => r.PaymentMethodId).HasMaxLength(255);
        retry.Property(r => r.RequestedBy).HasMaxLength(200);
        retry.Property(r => r.Outcome).HasMaxLength(20);
        retry.Property(r => r.FailureCode).HasMaxLength(100);
        retry.HasIndex(r => new { r.InvoiceId, r.RequestedAt });
    }
}
