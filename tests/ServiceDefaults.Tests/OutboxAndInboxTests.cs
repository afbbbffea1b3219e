using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cic.ServiceDefaults.Messaging;
using Cic.ServiceDefaults.Tests.Ledger;
using Cic.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.ServiceDefaults.Tests;

/// <summary>The transactional outbox and the inbox against real PostgreSQL and RabbitMQ; each test gets its own database and virtual host.</summary>
public sealed class OutboxAndInboxTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private TestVirtualHost _broker = null!;
    private WebApplication? _app;

    public async ValueTask InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = await servers.CreateDatabaseAsync("outbox");
        _broker = await servers.CreateVirtualHostAsync("outbox");
    }

    [Fact]
    public async Task A_committed_state_change_publishes_its_event_and_the_consumer_applies_it_once()
    {
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp);
        await _app.StartHealthyAsync();

        var entryId = await RecordEntryAsync(_app, "first");

        await Eventually.IsTrue(async () => await EffectsOf(entryId) == 1, "the consumer to apply the entry");
        await Eventually.IsTrue(
            async () => await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0,
            "the outbox message to be marked sent");
        Assert.Equal(1, await _database.ScalarAsync<long>("SELECT count(*) FROM inbox_messages"));
    }

    [Fact]
    public async Task A_state_change_whose_transaction_rolls_back_publishes_nothing()
    {
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp);
        await _app.StartHealthyAsync();

        var rolledBack = Guid.NewGuid();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LedgerDb>();
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.Entries.Add(new LedgerEntry { Id = rolledBack, Note = "never" });
            db.AddIntegrationEvent(new EntryRecorded(Guid.NewGuid(), DateTimeOffset.UtcNow, rolledBack, "never"));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        }

        // A later committed change goes through the same relay and consumer; once it has arrived,
        // the rolled-back one would have too, had it been published.
        var committed = await RecordEntryAsync(_app, "later");
        await Eventually.IsTrue(async () => await EffectsOf(committed) == 1, "the committed entry to arrive");

        Assert.Equal(0, await EffectsOf(rolledBack));
        Assert.Equal(1, await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages"));
    }

    [Fact]
    public async Task A_relay_that_dies_between_publish_and_mark_sent_publishes_again_and_the_inbox_absorbs_the_duplicate()
    {
        var crash = new CrashBeforeMarkingSent();
        var deliveries = new DeliveryCounter();
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp, services: services =>
        {
            services.ConfigureDbContext<LedgerDb>(options => options.AddInterceptors(crash));
            services.AddSingleton(deliveries);
            services.AddReceiveObserver(provider => provider.GetRequiredService<DeliveryCounter>());
        });
        await _app.StartHealthyAsync();

        var entryId = await RecordEntryAsync(_app, "twice");
        var messageId = await _database.ScalarAsync<Guid>("SELECT message_id FROM outbox_messages");

        await Eventually.IsTrue(() => Task.FromResult(deliveries.DeliveriesOf(messageId) >= 2), "the message to be delivered and handled twice");
        await Eventually.IsTrue(
            async () => await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE sent_at IS NOT NULL") == 1,
            "the second relay pass to mark the message sent");

        Assert.Equal(1, crash.Crashes);
        Assert.Equal(1, await EffectsOf(entryId));
        Assert.DoesNotContain(await _broker.QueueNamesAsync(), queue => queue.EndsWith("_skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_message_delivered_twice_changes_nothing_the_second_time()
    {
        var deliveries = new DeliveryCounter();
        _app = LedgerApp.Build(_database.ConnectionString, _broker.Amqp, services: services =>
        {
            services.AddSingleton(deliveries);
            services.AddReceiveObserver(provider => provider.GetRequiredService<DeliveryCounter>());
        });
        await _app.StartHealthyAsync();
        var bus = _app.Services.GetRequiredService<IBus>();

        var entryId = Guid.NewGuid();
        var message = new EntryRecorded(Guid.NewGuid(), DateTimeOffset.UtcNow, entryId, "redelivered");
        await bus.Publish(message, context => context.MessageId = message.EventId, TestContext.Current.CancellationToken);
        await bus.Publish(message, context => context.MessageId = message.EventId, TestContext.Current.CancellationToken);

        await Eventually.IsTrue(() => Task.FromResult(deliveries.DeliveriesOf(message.EventId) == 2), "both deliveries to be handled");
        Assert.Equal(1, await EffectsOf(entryId));
        Assert.Equal(1, await _database.ScalarAsync<long>($"SELECT count(*) FROM inbox_messages WHERE message_id = '{message.EventId}'"));
        Assert.DoesNotContain(await _broker.QueueNamesAsync(), queue => queue.EndsWith("_skipped", StringComparison.Ordinal));
    }

    private async Task<long> EffectsOf(Guid entryId) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM received_entries WHERE entry_id = '{entryId}'");

    internal static async Task<Guid> RecordEntryAsync(WebApplication app, string note)
    {
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Staff());
        var response = await client.PostAsJsonAsync("/entries", new NewEntry(note, 10), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await response.Content.ReadFromJsonAsync<LedgerEntry>(TestContext.Current.CancellationToken);
        return entry!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _broker.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>Makes the relay's first "mark sent" fail as if the process died there: after publishing, before committing.</summary>
    private sealed class CrashBeforeMarkingSent : DbCommandInterceptor
    {
        private int _crashes;

        public int Crashes => _crashes;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            CrashOnce(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            CrashOnce(command);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        private void CrashOnce(DbCommand command)
        {
            if (command.CommandText.Contains("UPDATE outbox_messages", StringComparison.Ordinal)
                && command.CommandText.Contains("sent_at", StringComparison.Ordinal)
                && Interlocked.CompareExchange(ref _crashes, 1, 0) == 0)
            {
                throw new IOException("relay process killed before marking the batch sent");
            }
        }
    }
}
