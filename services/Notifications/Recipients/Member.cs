using Cic.Contracts;
using Cic.Contracts.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Recipients;

/// <summary>
/// What Notifications knows of a portal user's membership of a company or organization, from
/// Accounts' <see cref="MemberAdded"/> and <see cref="MemberRemoved"/>. A removed member stays as a
/// row that is no longer <see cref="IsActive"/>, so an older event arriving late cannot bring them back.
/// </summary>
public sealed class Member
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    /// <summary>The user's subject id at the identity provider (the token's <c>sub</c>).</summary>
    public string UserId { get; init; } = "";

    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public MemberRole Role { get; set; }

    /// <summary>False once the member was removed.</summary>
    public bool IsActive { get; set; }

    /// <summary>When the latest applied event happened; older events are ignored.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>PostgreSQL's row version: two events changing one member at once cannot overwrite each other.</summary>
    public uint Version { get; set; }
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
        member.Property(m => m.Email).HasMaxLength(320);
        member.Property(m => m.DisplayName).HasMaxLength(200);
        member.Property(m => m.Version).IsRowVersion();
    }
}
