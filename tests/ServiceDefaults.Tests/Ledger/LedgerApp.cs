using System.ComponentModel.DataAnnotations;
using Cic.ServiceDefaults.Http;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Persistence;
using Cic.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cic.ServiceDefaults.Tests.Ledger;

public sealed record NewEntry([property: Required, StringLength(40)] string Note, [property: Range(1, 1000)] int Amount);

/// <summary>A body with nested values, as the notification settings have.</summary>
public sealed record EntryTags(Dictionary<string, Dictionary<string, bool>>? Tags);

/// <summary>Query values bound from a record, as the services page their lists.</summary>
public sealed record EntryPage(int? PageSize, Guid? After);

/// <summary>The ledger service, hosted in-process on a test server.</summary>
public static class LedgerApp
{
    public static WebApplication Build(
        string database,
        Uri broker,
        string environment = "Testing",
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment,
            ApplicationName = typeof(LedgerApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(TestTokens.Configuration);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ledger-db"] = database,
            ["ConnectionStrings:messaging"] = broker.ToString(),
            // Short waits, so a broker outage in a test resolves in seconds.
            ["Messaging:PublishTimeout"] = "00:00:03",
            ["Messaging:OutboxMaxRetryDelay"] = "00:00:01",
            ["Messaging:OutboxPollInterval"] = "00:00:00.200",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        builder.AddServiceDatabase<LedgerDb>("ledger-db");
        builder.AddMessaging(bus => bus.AddConsumer<EntryRecordedConsumer>());
        builder.Services.AddValidation();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapPost("/entries", RecordEntry);
        app.MapGet("/entries/{id:guid}", GetEntry);
        app.MapGet("/entries", ([AsParameters] EntryPage page, LedgerDb db) => TypedResults.Ok(db.Entries.Take(page.PageSize ?? 10).ToList()));
        app.MapGet("/entries/by-note/{note}", (string note, LedgerDb db) => TypedResults.Ok(db.Entries.Where(e => e.Note == note).ToList()));
        app.MapPut("/entries/tags", (EntryTags tags) => TypedResults.Ok(tags));
        app.MapGet("/staff-only", () => TypedResults.Ok("staff")).RequireAuthorization(PortalAuthentication.StaffPolicy);
        app.MapGet("/broken", string () => throw new InvalidOperationException("secret internals"));
        return app;
    }

    private static async Task<Created<LedgerEntry>> RecordEntry(NewEntry entry, LedgerDb db, TimeProvider time)
    {
        var recorded = new LedgerEntry { Id = Guid.NewGuid(), Note = entry.Note };
        db.Entries.Add(recorded);
        db.AddIntegrationEvent(new EntryRecorded(Guid.NewGuid(), time.GetUtcNow(), recorded.Id, recorded.Note));
        await db.SaveChangesAsync();
        return TypedResults.Created($"/entries/{recorded.Id}", recorded);
    }

    private static async Task<Results<Ok<LedgerEntry>, NotFound>> GetEntry(Guid id, LedgerDb db) =>
        await db.Entries.FindAsync(id) is { } entry ? TypedResults.Ok(entry) : TypedResults.NotFound();
}
