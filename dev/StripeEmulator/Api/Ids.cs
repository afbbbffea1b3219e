using System.Security.Cryptography;

namespace Cic.StripeEmulator.Api;

/// <summary>Stripe-looking identifiers: the real prefix, then random base62, so ids never collide across resets or hosts.</summary>
internal static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix, int length = 24) => $"{prefix}_{Random(length)}";

    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    public static string Upper(int length) => RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", length);
}
