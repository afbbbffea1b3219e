using System.Text.Json.Serialization;

namespace Cic.Contracts;

/// <summary>
/// The two kinds of customer account. A billing account (the payer of invoices) is one of them:
/// a company billed on its own, or an organization its companies roll up to.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<AccountKind>))]
public enum AccountKind
{
    /// <summary>A company: the unit calls are counted for.</summary>
    Company,

    /// <summary>An organization grouping companies that are billed together.</summary>
    Organization,
}
