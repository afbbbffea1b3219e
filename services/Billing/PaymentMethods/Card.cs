using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// A card on file with Stripe for a billing account, as Stripe last described it. Only Stripe's id,
/// brand, last four digits and expiry are ever known here; the card itself never reaches the platform.
/// </summary>
public sealed partial class Card
{
    /// <summary>Stripe's payment method id (<c>pm_…</c>).</summary>
    public required string Id { get; init; }

    public Guid AccountId { get; set; }

    public required string StripeCustomerId { get; set; }

    public required string Brand { get; set; }

    public required string Last4 { get; set; }

    public int ExpMonth { get; set; }

    public int ExpYear { get; set; }

    /// <summary>When Stripe created it.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who started the card form that saved it, when it came through the portal.</summary>
    public string? AddedBy { get; set; }

    public bool AddedByStaff { get; set; }

    /// <summary>When Stripe reported it detached from the customer; it is then no longer listed.</summary>
    public DateTimeOffset? DetachedAt { get; set; }

    /// <summary>When its expiry was reported (PaymentMethodExpired); each card is reported once.</summary>
    public DateTimeOffset? ExpiryReportedAt { get; set; }

    public DateTimeOffset SyncedAt { get; set; }
}

internal sealed class CardConfiguration : IEntityTypeConfiguration<Card>
{
    public void Configure(EntityTypeBuilder<Card> card)
    {
        card.ToTable("cards");
        card.HasKey(c => c.Id);
        card.Property(c => c.Id).HasMaxLength(255);
        card.Property(c => c.StripeCustomerId).HasMaxLength(255);
        card.Property(c => c.Brand).HasMaxLength(50);
        card.Property(c => c.Last4).HasMaxLength(4);
        card.Property(c => c.AddedBy).HasMaxLength(200);
        card.Ignore(c => c.ExpiresAt);
        card.HasIndex(c => c.AccountId);
    }
}

/// <summary>A card form started through the portal (a SetupIntent): who asked, so the card it saves is credited to them.</summary>
public sealed class CardSetup
{
    /// <summary>Stripe's SetupIntent id (<c>seti_…</c>).</summary>
    public required string Id { get; init; }

    public Guid AccountId { get; init; }

    public required string RequestedBy { get; init; }

    public bool RequestedByStaff { get; init; }

    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>The SetupIntent's status as last read from Stripe.</summary>
    public required string Status { get; set; }

    /// <summary>The card it saved, once it succeeded.</summary>
    public string? PaymentMethodId { get; set; }
}

internal sealed class CardSetupConfiguration : IEntityTypeConfiguration<CardSetup>
{
    public void Configure(EntityTypeBuilder<CardSetup> setup)
    {
        setup.ToTable("card_setups");
        setup.HasKey(s => s.Id);
        setup.Property(s => s.Id).HasMaxLength(255);
        setup.Property(s => s.RequestedBy).HasMaxLength(200);
        setup.Property(s => s.Status).HasMaxLength(50);
        setup.Property(s => s.PaymentMethodId).HasMaxLength(255);
        setup.HasIndex(s => s.PaymentMethodId);
    }
}
