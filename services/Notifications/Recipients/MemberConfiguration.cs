using Cic.ServiceDefaults.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Recipients;

/// <summary>Notifications' <c>members</c> table predates the shared projection and keeps its own names.</summary>
internal sealed class MemberConfiguration : IEntityTypeConfiguration<AccountMember>
{
    public void Configure(EntityTypeBuilder<AccountMember> member)
    {
        member.Property(m => m.IsMember).HasColumnName("is_active");
        member.Property(m => m.AsOf).HasColumnName("changed_at");
        // PostgreSQL's xmin, mapped when members were updated through tracked entities; kept so the
        // schema is unchanged (the projection's upsert needs no row version).
        member.Property<uint>("Version").IsRowVersion();
    }
}
