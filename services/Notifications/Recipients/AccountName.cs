using Cic.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cic.Notifications.Recipients;

/// <summary>The current name of a company or organization, so notifications can say whose invoice it is.</summary>
public sealed class AccountName
{
    public AccountKind AccountKind { get; init; }

    public Guid AccountId { get; init; }

    public string Name { get; set; } = "";

    /// <summary>When the name was given; an older rename arriving late is ignored.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    public uint Version { get; set; }

    /// <summary>What notifications say when the account's name has not arrived (yet).</summary>
    public static string Unknown(AccountKind kind) => kind == AccountKind.Organization ? "your organization" : "your company";
}

internal sealed class AccountNameConfiguration : IEntityTypeConfiguration<AccountName>
{
    public void Configure(EntityTypeBuilder<AccountName> name)
    {
        name.ToTable("account_names");
        name.HasKey(n => new { n.AccountKind, n.AccountId });
        name.Property(n => n.AccountKind).HasConversion<string>().HasMaxLength(20);
        name.Property(n => n.Name).HasMaxLength(200);
        name.Property(n => n.Version).IsRowVersion();
    }
}
