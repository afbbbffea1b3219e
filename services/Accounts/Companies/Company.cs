using Cic.Accounts.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Accounts.Companies;

/// <summary>A customer company: the unit calls are counted for. It belongs to at most one organization.</summary>
public sealed class Company
{
    public Guid Id { get; init; }

    public string Name { get; set; } = "";

    /// <summary>The company's reference in other CIC systems; unique when present.</summary>
    public string? ExternalReference { get; init; }

    public Guid? OrganizationId { get; set; }

    public Organization? Organization { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>The version of the latest billing-arrangement decision announced for the company.</summary>
    public long ArrangementVersion { get; set; }
}

internal sealed class CompanyConfiguration : IEntityTypeConfiguration<Company>
{
    public void Configure(EntityTypeBuilder<Company> company)
    {
        company.Property(c => c.Name).HasMaxLength(Limits.Name);
        company.Property(c => c.ExternalReference).HasMaxLength(Limits.ExternalReference);
        company.HasIndex(c => c.ExternalReference).IsUnique();
        company.HasIndex(c => c.Name);
        company.HasOne(c => c.Organization).WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal static class Limits
{
    public const int Name = 200;
    public const int ExternalReference = 100;
}
