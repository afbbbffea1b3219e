using System.Security.Cryptography;
using System.Text;

namespace Cic.ServiceDefaults.Messaging;

public static class EventIds
{
    /// <summary>
    /// A deterministic event id for what happens once (a name-based UUID, RFC 9562 version 8 over SHA-256):
    /// computed twice, by two instances or a retry, it is the same id, so the outbox (unique message id) and
    /// consumers' inboxes (dedupe by message id) recognise the repeat.
    /// </summary>
    public static Guid FromName(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
