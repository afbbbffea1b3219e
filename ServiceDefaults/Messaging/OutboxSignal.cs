using Cic.ServiceDefaults.Background;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Wakes the outbox relay once outbox messages are committed (armed by <see cref="WakeAfterCommit"/>), instead of at its next poll.</summary>
public sealed class OutboxSignal : Wakeup;
