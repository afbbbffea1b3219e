namespace Cic.ServiceDefaults.Messaging;

/// <summary>
/// A message that can never be processed as it is (a missing id, an impossible value). It is not
/// retried: it goes straight to the endpoint's <c>_error</c> queue, with this message as the reason.
/// </summary>
public sealed class InvalidMessageException(string reason) : Exception(reason);
