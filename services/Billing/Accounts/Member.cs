using Cic.Contracts;
using Cic.Contracts.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.Accounts;

/// <summary>
/// A portal user's role on a company or organization, projected from Accounts' events. A removal is
/// kept with the time it happened, so events applied out of order still end in the latest state.
/// </summary>
public sealed class Member
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The user's subject id at the identity provider (the token's <c>sub</c>).</summary>
    public required string UserId { get; init; }

    public MemberRole Role { get; set; }

    public bool IsMember { get; set; }

    /// <summary>When the latest applied membership event happened.</summary>
    public DateTimeOffset AsOf { get; set; }
}

/// <summary>Whether a company belongs to an organization (for access, not for billing: see <see cref="BillingArrangement"/>).</summary>
public sealed class OrganizationCompany
{
    public Guid CompanyId { get; init; }

    public Guid OrganizationId { get; init; }

    public bool IsMember { get; set; }

    public DateTimeOffset AsOf { get; set; }
}

internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> member)
    {
        member.ToTable("members");
        member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
        member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.UserId).HasMaxLength(200);
        member.HasIndex(m => m.UserId);
    }
}

internal sealed class OrganizationCompanyConfiguration : IEntityTypeConfiguration<OrganizationCompany>
{
    public void Configure(EntityTypeBuilder<OrganizationCompany> membership)
    {
        membership.ToTable("organization_companies");
        membership.HasKey(m => new { m.CompanyId, m.OrganizationId });
    }
}
