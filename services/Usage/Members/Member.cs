using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Members;

/// <summary>
/// Whether a portal user is a member of a company or organization, projected from Accounts' events.
/// A removal is kept (not deleted) with the time it happened, so events applied out of order still
/// end in the state of the latest one.
/// </summary>
public sealed class Member
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The user's subject id at the identity provider (the token's <c>sub</c>).</summary>
    public required string UserId { get; init; }

    public bool IsMember { get; init; }

    /// <summary>When the latest applied membership event happened.</summary>
    public DateTimeOffset AsOf { get; init; }
}

/// <summary>Whether a company belongs to an organization, projected like <see cref="Member"/>.</summary>
public sealed class OrganizationCompany
{
    public Guid CompanyId { get; init; }

    public Guid OrganizationId { get; init; }

    public bool IsMember { get; init; }

    public DateTimeOffset AsOf { get; init; }
}

internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> member)
    {
        member.ToTable("members");
        member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
        member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.UserId).HasMaxLength(200);
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
