using Cic.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Cic.ServiceDefaults.Messaging;

public static class MessagingModel
{
    /// <summary>Adds the <c>outbox_messages</c> and <c>inbox_messages</c> tables to a service's model.</summary>
    public static ModelBuilder AddOutboxAndInbox(this ModelBuilder model)
    {
        model.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox_messages");
            outbox.HasKey(m => m.Sequence);
            outbox.Property(m => m.Sequence).UseIdentityAlwaysColumn();
            outbox.HasIndex(m => m.MessageId).IsUnique();
            outbox.Property(m => m.MessageType).HasMaxLength(500);
            outbox.Property(m => m.Body).HasColumnType("jsonb");
            outbox.Property(m => m.TraceParent).HasMaxLength(128);
            // The relay only ever looks for unsent messages; keep that index small.
            outbox.HasIndex(m => m.Sequence).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_messages_unsent");
            outbox.HasIndex(m => m.SentAt).HasFilter("sent_at IS NOT NULL");
        });

        model.Entity<InboxMessage>(inbox =>
        {
            inbox.ToTable("inbox_messages");
            inbox.HasKey(m => new { m.Consumer, m.MessageId });
            inbox.Property(m => m.Consumer).HasMaxLength(200);
            inbox.HasIndex(m => m.ProcessedAt);
        });

        return model;
    }

    /// <summary>
    /// Saves <paramref name="event"/> with the context's next <c>SaveChanges</c>, in the same
    /// transaction as the state change it reports; it is published after the commit, at least once.
    /// </summary>
    public static void AddIntegrationEvent<TEvent>(this DbContext db, TEvent @event) where TEvent : class, IIntegrationEvent =>
        db.Set<OutboxMessage>().Add(OutboxMessage.For(@event));
}
