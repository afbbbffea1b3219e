using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cic.AppHost.Commands;

/// <summary>
/// What the dashboard's commands act as: a staff member signed in with a key made for this run of the AppHost,
/// which the services it starts accept beside their usual ones (issuer <see cref="Issuer"/>). The key never leaves
/// this process and the services it started.
/// </summary>
internal sealed class DashboardToken
{
    public const string Issuer = "cic-dashboard";
    private const string Audience = "cic-portal";

    // Beside dotnet user-jwts' key (index 0 of the same list), never in its place.
    private const string Index = "9";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static DashboardToken Create() => new();

    public IResourceBuilder<ProjectResource> AcceptedBy(IResourceBuilder<ProjectResource> service) => service
        .WithEnvironment($"Authentication__Schemes__Bearer__ValidIssuers__{Index}", Issuer)
        .WithEnvironment($"Authentication__Schemes__Bearer__SigningKeys__{Index}__Issuer", Issuer)
        .WithEnvironment($"Authentication__Schemes__Bearer__SigningKeys__{Index}__Value", Convert.ToBase64String(_key));

    /// <summary>A short-lived staff token (HS256) naming the on-call engineer at the dashboard.</summary>
    public string Staff()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "aspire-dashboard",
            ["unique_name"] = "aspire-dashboard",
            ["role"] = "staff",
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["nbf"] = now,
            ["iat"] = now,
            ["exp"] = now + 600,
        }));
        var signature = Encode(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
