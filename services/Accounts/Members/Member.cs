using Cic.Contracts;
using Cic.Contracts.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Accounts.Members;

/// <summary>A portal user's membership of a company or an organization, with their role there.</summary>
public sealed class Member
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The user's subject id at the identity provider.</summary>
    public string UserId { get; init; } = "";

    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public MemberRole Role { get; set; }

    public DateTimeOffset AddedAt { get; set; }

    /// <summary>Who added the member or last changed them: staff acting on a customer's behalf, or an owner.</summary>
    public string AddedBy { get; set; } = "";
}

internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> member)
    {
        member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
        member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.UserId).HasMaxLength(200);
        member.Property(m => m.Email).HasMaxLength(320);
        member.Property(m => m.DisplayName).HasMaxLength(200);
        member.Property(m => m.AddedBy).HasMaxLength(200);
        member.HasIndex(m => m.UserId);
    }
}
