using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Usage.Companies;

/// <summary>A company Accounts has registered. Calls for companies not (yet) among these are kept and listed for operators.</summary>
public sealed class KnownCompany
{
    public Guid CompanyId { get; init; }

    public required string Name { get; set; }

    public DateTimeOffset RegisteredAt { get; init; }
}

internal sealed class KnownCompanyConfiguration : IEntityTypeConfiguration<KnownCompany>
{
    public void Configure(EntityTypeBuilder<KnownCompany> company)
    {
        company.ToTable("companies");
        company.HasKey(c => c.CompanyId);
        company.Property(c => c.CompanyId).ValueGeneratedNever();
        company.Property(c => c.Name).HasMaxLength(300);
    }
}
