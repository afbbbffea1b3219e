using System.ComponentModel.DataAnnotations;

namespace Cic.Accounts.Companies;

/// <summary>Registers a company.</summary>
/// <param name="Name">The company's name.</param>
/// <param name="ExternalReference">Its reference in other CIC systems; unique across companies.</param>
/// <param name="OrganizationId">An organization to place it in from the start; it is then billed through the organization at once.</param>
public sealed record RegisterCompany(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name,
    [property: StringLength(Limits.ExternalReference, MinimumLength = 1)] string? ExternalReference,
    Guid? OrganizationId);

/// <summary>Renames a company.</summary>
public sealed record RenameCompany([property: Required, StringLength(Limits.Name, MinimumLength = 1)] string Name);

public sealed record CompanyResponse(Guid Id, string Name, string? ExternalReference, Guid? OrganizationId, DateTimeOffset RegisteredAt)
{
    public static CompanyResponse From(Company company) =>
        new(company.Id, company.Name, company.ExternalReference, company.OrganizationId, company.RegisteredAt);
}
