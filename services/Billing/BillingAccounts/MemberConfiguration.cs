using Cic.ServiceDefaults.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Billing.BillingAccounts;

/// <summary>Billing looks members up by user on every request (see <see cref="BillingAccess"/>).</summary>
internal sealed class MemberConfiguration : IEntityTypeConfiguration<AccountMember>
{
    public void Configure(EntityTypeBuilder<AccountMember> member) => member.HasIndex(m => m.UserId);
}
