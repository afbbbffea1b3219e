using Cic.ServiceDefaults.Background;

namespace Cic.ServiceDefaults.Messaging;

/// <summary>Wakes the outbox relay after every commit (<see cref="WakeAfterCommit"/>), instead of at its next poll.</summary>
public sealed class OutboxSignal : Wakeup;
