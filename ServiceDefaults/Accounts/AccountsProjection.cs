using Cic.Contracts;
using Cic.Contracts.Accounts;
using Cic.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Cic.ServiceDefaults.Accounts;

/// <summary>
/// What of Accounts' memberships a consuming service keeps in its own database. One value per service,
/// given both to its model (<see cref="AccountsModel.AddAccountsProjection"/>) and to its bus
/// (<see cref="AccountsProjection.AddAccountsProjection"/>).
/// </summary>
[Flags]
public enum AccountsKept
{
    /// <summary>Who is a member of which company or organization (<see cref="AccountMember"/>, table <c>members</c>).</summary>
    Members = 1,

    /// <summary>Members' roles (column <c>role</c>).</summary>
    MemberRoles = 2,

    /// <summary>Members' email addresses and display names (columns <c>email</c>, <c>display_name</c>); an addition without an email is refused.</summary>
    MemberContacts = 4,

    /// <summary>Which companies belong to which organization (<see cref="OrganizationCompany"/>, table <c>organization_companies</c>).</summary>
    OrganizationCompanies = 8,
}

/// <summary>
/// The one copy of Accounts' memberships that Usage, Billing and Notifications each keep in their own
/// database: the consumers of the membership events and the "latest event wins" upsert. The service
/// maps <see cref="AccountMember"/> and <see cref="OrganizationCompany"/> to its own tables with
/// <see cref="AccountsModel.AddAccountsProjection"/> (what it does not keep is not mapped) and the
/// upsert writes exactly the mapped columns. The consumers run in the inbox transaction (see
/// <see cref="MessagingExtensions.AddMessaging"/>), so a
/// redelivery changes nothing.
/// </summary>
public static class AccountsProjection
{
    /// <summary>Registers the consumers of the membership events for what the service keeps.</summary>
    public static IBusRegistrationConfigurator AddAccountsProjection(this IBusRegistrationConfigurator bus, AccountsKept kept)
    {
        if (kept.HasFlag(AccountsKept.Members))
        {
            bus.AddConsumer<MemberAddedConsumer>();
            bus.AddConsumer<MemberRemovedConsumer>();
        }

        if (kept.HasFlag(AccountsKept.OrganizationCompanies))
        {
            bus.AddConsumer<CompanyJoinedOrganizationConsumer>();
            bus.AddConsumer<CompanyLeftOrganizationConsumer>();
        }

        return bus;
    }

    /// <summary>Applies a membership event (<paramref name="added"/> is null for a removal) to the service's members table.</summary>
    public static Task ApplyMemberAsync(
        DbContext db, AccountKind kind, Guid accountId, string? userId, bool isMember, DateTimeOffset asOf,
        (MemberRole Role, string? Email, string? DisplayName)? added, CancellationToken cancellationToken)
    {
        if (accountId == Guid.Empty || string.IsNullOrWhiteSpace(userId))
        {
            throw new InvalidMessageException("AccountId and UserId are required");
        }

        if (!Enum.IsDefined(kind) || (added is { } a && !Enum.IsDefined(a.Role)))
        {
            throw new InvalidMessageException($"AccountKind {kind} or Role {added?.Role} is unknown");
        }

        var entity = MappedEntity<AccountMember>(db);
        if (added is { Email: var email } && string.IsNullOrWhiteSpace(email) && entity.FindProperty(nameof(AccountMember.Email)) is not null)
        {
            // This service mails members: an address is what it keeps them for.
            throw new InvalidMessageException("MemberAdded needs an email address");
        }

        var values = new Dictionary<string, object?>
        {
            [nameof(AccountMember.AccountKind)] = kind,
            [nameof(AccountMember.AccountId)] = accountId,
            [nameof(AccountMember.UserId)] = userId,
            // A removal seen first leaves the rest empty; a later addition fills it in.
            [nameof(AccountMember.Role)] = added?.Role ?? MemberRole.Member,
            [nameof(AccountMember.Email)] = added?.Email?.Trim() ?? "",
            [nameof(AccountMember.DisplayName)] = added?.DisplayName?.Trim() ?? "",
        };
        return UpsertAsync(db, entity, values, isMember, asOf, cancellationToken);
    }

    /// <summary>Applies a company joining or leaving an organization to the service's table of them.</summary>
    public static Task ApplyOrganizationAsync(
        DbContext db, Guid companyId, Guid organizationId, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        if (companyId == Guid.Empty || organizationId == Guid.Empty)
        {
            throw new InvalidMessageException("CompanyId and OrganizationId are required");
        }

        var values = new Dictionary<string, object?>
        {
            [nameof(OrganizationCompany.CompanyId)] = companyId,
            [nameof(OrganizationCompany.OrganizationId)] = organizationId,
        };
        return UpsertAsync(db, MappedEntity<OrganizationCompany>(db), values, isMember, asOf, cancellationToken);
    }

    private static IEntityType MappedEntity<T>(DbContext db) =>
        db.Model.FindEntityType(typeof(T))
        ?? throw new InvalidOperationException($"{db.GetType().Name} does not map {typeof(T).Name}; map it to the service's table to keep it.");

    /// <summary>Writes the row's mapped columns under the <see cref="LatestEventWins"/> rule.</summary>
    private static async Task UpsertAsync(
        DbContext db, IEntityType entity, Dictionary<string, object?> values, bool isMember, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var keys = entity.FindPrimaryKey()!.Properties.Select(p => p.Name).ToHashSet();
        var isMemberProperty = entity.FindProperty("IsMember")!;
        var asOfProperty = entity.FindProperty("AsOf")!;
        var kept = values.Keys.Select(name => entity.FindProperty(name)).OfType<IProperty>().ToList();

        var columns = new List<ProjectedColumn>();
        var parameters = new List<object>();
        foreach (var property in kept)
        {
            columns.Add(new ProjectedColumn(property.GetColumnName(table)!, keys.Contains(property.Name)));
            parameters.Add(ToProvider(property, values[property.Name])!);
        }

        columns.Add(new ProjectedColumn(isMemberProperty.GetColumnName(table)!, IsKey: false));
        parameters.Add(isMember);
        var sql = LatestEventWins.UpsertSql(table.Name, table.Schema, columns, isMemberProperty.GetColumnName(table)!, asOfProperty.GetColumnName(table)!);
        parameters.Add(asOf.ToUniversalTime());
        await db.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken);
    }

    // Enums may be stored as text or numbers: the service's mapping decides.
    private static object? ToProvider(IProperty property, object? value) =>
        property.GetTypeMapping().Converter is { } converter ? converter.ConvertToProvider(value) : value;
}

/// <summary>A column the projection writes; key columns identify the row and are never updated.</summary>
public sealed record ProjectedColumn(string Name, bool IsKey);

/// <summary>
/// The projection's one ordering rule: a row is only overwritten by an event that happened no earlier
/// than the one it holds, so events applied in any order end in the state of the latest one. At the
/// same moment the event applied last wins. A removal changes only the flag and the time: the role,
/// email and name of the latest addition stay.
/// </summary>
public static class LatestEventWins
{
    /// <summary>Whether an event at <paramref name="incoming"/> replaces a row holding an event at <paramref name="held"/>.</summary>
    public static bool Replaces(DateTimeOffset held, DateTimeOffset incoming) => held <= incoming;

    /// <summary>
    /// The upsert for <paramref name="columns"/> (in parameter order), then the membership flag
    /// <paramref name="isMember"/> among them as the last column, then the event time
    /// <paramref name="asOf"/> as the last parameter. Written to agree with <see cref="Replaces"/>.
    /// </summary>
    public static string UpsertSql(string table, string? schema, IReadOnlyList<ProjectedColumn> columns, string isMember, string asOf)
    {
        var target = schema is null ? Quote(table) : $"{Quote(schema)}.{Quote(table)}";
        var all = columns.Select(c => c.Name).Append(asOf).ToList();
        var keys = columns.Where(c => c.IsKey).Select(c => Quote(c.Name));
        var updates = columns.Where(c => !c.IsKey)
            .Select(c => c.Name == isMember
                ? $"{Quote(c.Name)} = excluded.{Quote(c.Name)}"
                : $"{Quote(c.Name)} = CASE WHEN excluded.{Quote(isMember)} THEN excluded.{Quote(c.Name)} ELSE {target}.{Quote(c.Name)} END")
            .Append($"{Quote(asOf)} = excluded.{Quote(asOf)}");
        return $"""
            INSERT INTO {target} ({string.Join(", ", all.Select(Quote))})
            VALUES ({string.Join(", ", all.Select((_, i) => $"{{{i}}}"))})
            ON CONFLICT ({string.Join(", ", keys)}) DO UPDATE
                SET {string.Join(", ", updates)}
                WHERE {target}.{Quote(asOf)} <= excluded.{Quote(asOf)}
            """;
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}

/// <summary>A user became a member of a company or organization, or had their role changed.</summary>
public sealed class MemberAddedConsumer(DbContext db) : IConsumer<MemberAdded>
{
    public Task Consume(ConsumeContext<MemberAdded> context)
    {
        var m = context.Message;
        return AccountsProjection.ApplyMemberAsync(
            db, m.AccountKind, m.AccountId, m.UserId, isMember: true, m.OccurredAt, (m.Role, m.Email, m.DisplayName), context.CancellationToken);
    }
}

/// <summary>A user stopped being a member of a company or organization.</summary>
public sealed class MemberRemovedConsumer(DbContext db) : IConsumer<MemberRemoved>
{
    public Task Consume(ConsumeContext<MemberRemoved> context)
    {
        var m = context.Message;
        return AccountsProjection.ApplyMemberAsync(
            db, m.AccountKind, m.AccountId, m.UserId, isMember: false, m.OccurredAt, added: null, context.CancellationToken);
    }
}

/// <summary>A company joined an organization: the organization's members reach the company.</summary>
public sealed class CompanyJoinedOrganizationConsumer(DbContext db) : IConsumer<CompanyJoinedOrganization>
{
    public Task Consume(ConsumeContext<CompanyJoinedOrganization> context) =>
        AccountsProjection.ApplyOrganizationAsync(
            db, context.Message.CompanyId, context.Message.OrganizationId, isMember: true, context.Message.OccurredAt, context.CancellationToken);
}

/// <summary>A company left an organization: the organization's members no longer reach the company.</summary>
public sealed class CompanyLeftOrganizationConsumer(DbContext db) : IConsumer<CompanyLeftOrganization>
{
    public Task Consume(ConsumeContext<CompanyLeftOrganization> context) =>
        AccountsProjection.ApplyOrganizationAsync(
            db, context.Message.CompanyId, context.Message.OrganizationId, isMember: false, context.Message.OccurredAt, context.CancellationToken);
}
