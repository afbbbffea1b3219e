using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cic.Testing;

/// <summary>
/// Bearer tokens for tests, signed with a key made for this test process. A service under test
/// accepts them when given <see cref="Configuration"/>: the same settings shape as the key
/// <c>dotnet user-jwts</c> writes in Development.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "cic-tests";
    public const string Audience = "cic-portal";

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    public static IReadOnlyDictionary<string, string?> Configuration { get; } = new Dictionary<string, string?>
    {
        ["Authentication:Schemes:Bearer:ValidIssuer"] = Issuer,
        ["Authentication:Schemes:Bearer:ValidAudiences:0"] = Audience,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = Issuer,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = Convert.ToBase64String(Key),
    };

    /// <summary>A CIC staff member, who may act on any account.</summary>
    public static string Staff(string userId = "staff-tester") => Mint(userId, "staff");

    /// <summary>A customer's portal user, identified by their subject id.</summary>
    public static string Customer(string userId) => Mint(userId);

    private static string Mint(string userId, params string[] roles)
    {
        var claims = new Dictionary<string, object> { ["sub"] = userId, ["unique_name"] = userId };
        if (roles.Length > 0)
        {
            claims["role"] = roles;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            Expires = DateTime.UtcNow.AddHours(2),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256),
        });
    }
}
