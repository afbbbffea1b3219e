using Cic.Accounts.Companies;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Accounts.Organizations;

/// <summary>A group of companies billed together: their usage rolls up to the organization's billing account.</summary>
public sealed class Organization
{
    public Guid Id { get; init; }

    public string Name { get; set; } = "";

    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> organization)
    {
        organization.Property(o => o.Name).HasMaxLength(Limits.Name);
        organization.HasIndex(o => o.Name);
    }
}
