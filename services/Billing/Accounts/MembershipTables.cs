using Cic.ServiceDefaults.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.Accounts;

// Billing keeps who may see and manage billing: members with their role (not their email or name)
// and which companies belong to which organization. ServiceDefaults' AccountsProjection writes these tables.

internal sealed class MemberConfiguration : IEntityTypeConfiguration<AccountMember>
{
    public void Configure(EntityTypeBuilder<AccountMember> member)
    {
        member.ToTable("members");
        member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
        member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        member.Property(m => m.UserId).HasMaxLength(200);
        member.HasIndex(m => m.UserId);
        member.Ignore(m => m.Email);
        member.Ignore(m => m.DisplayName);
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
