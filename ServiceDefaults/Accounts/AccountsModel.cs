using Microsoft.EntityFrameworkCore;

namespace Cic.ServiceDefaults.Accounts;

public static class AccountsModel
{
    /// <summary>
    /// Maps what the service keeps of Accounts' memberships to its tables (<c>members</c>,
    /// <c>organization_companies</c>); what it does not keep is not mapped, so the projection does not
    /// write it. A service may adjust the mapping after this call (an index, its own column names).
    /// </summary>
    public static ModelBuilder AddAccountsProjection(this ModelBuilder model, AccountsKept kept)
    {
        if (kept.HasFlag(AccountsKept.Members))
        {
            model.Entity<AccountMember>(member =>
            {
                member.ToTable("members");
                member.HasKey(m => new { m.AccountKind, m.AccountId, m.UserId });
                member.Property(m => m.AccountKind).HasConversion<string>().HasMaxLength(20);
                member.Property(m => m.UserId).HasMaxLength(200);
                if (kept.HasFlag(AccountsKept.MemberRoles))
                {
                    member.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
                }
                else
                {
                    member.Ignore(m => m.Role);
                }

                if (kept.HasFlag(AccountsKept.MemberContacts))
                {
                    member.Property(m => m.Email).HasMaxLength(320);
                    member.Property(m => m.DisplayName).HasMaxLength(200);
                }
                else
                {
                    member.Ignore(m => m.Email);
                    member.Ignore(m => m.DisplayName);
                }
            });
        }

        if (kept.HasFlag(AccountsKept.OrganizationCompanies))
        {
            model.Entity<OrganizationCompany>(membership =>
            {
                membership.ToTable("organization_companies");
                membership.HasKey(m => new { m.CompanyId, m.OrganizationId });
            });
        }

        return model;
    }
}
