using Cic.ServiceDefaults.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Recipients;

// Notifications keeps each member's address, name and role, to tell billing members about their
// account. ServiceDefaults' AccountsProjection writes this table.

internal sealed class MemberConfiguration : IEntityTypeConfiguration<AccountMember>
{
    public void Configure(EntityTypeBuilder<AccountMember> member)
    {
        member.ToTable("members");
        member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
        member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.UserId).HasMaxLength(200);
        member.Property(m => m.Email).HasMaxLength(320);
        member.Property(m => m.DisplayName).HasMaxLength(200);
        // The table's own names for the flag and the time, from before the projection was shared.
        member.Property(m => m.IsMember).HasColumnName("is_active");
        member.Property(m => m.AsOf).HasColumnName("changed_at");
        // PostgreSQL's xmin, mapped when members were updated through tracked entities; kept so the
        // schema is unchanged (the projection's upsert needs no row version).
        member.Property<uint>("Version").IsRowVersion();
    }
}
