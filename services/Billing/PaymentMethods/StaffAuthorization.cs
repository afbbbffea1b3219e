using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.PaymentMethods;

/// <summary>
/// A customer's permission for CIC staff to manage the account's payment methods on its behalf (the
/// seed's "add it on their behalf if they've authorized you to"): granted by an owner or billing member,
/// optionally until a moment, and revocable. Staff's card actions each name the one they used.
/// </summary>
public sealed class StaffAuthorization
{
    public Guid Id { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The owner or billing member who granted it (the token's <c>sub</c>).</summary>
    public required string GrantedBy { get; init; }

    public DateTimeOffset GrantedAt { get; init; }

    /// <summary>When it stops applying by itself; null until revoked.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public string? RevokedBy { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsCurrentAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

internal sealed class StaffAuthorizationConfiguration : IEntityTypeConfiguration<StaffAuthorization>
{
    public void Configure(EntityTypeBuilder<StaffAuthorization> authorization)
    {
        authorization.ToTable("staff_authorizations");
        authorization.HasKey(a => a.Id);
        authorization.Property(a => a.GrantedBy).HasMaxLength(200);
        authorization.Property(a => a.RevokedBy).HasMaxLength(200);
        authorization.HasIndex(a => new { a.AccountId, a.GrantedAt });
    }
}
