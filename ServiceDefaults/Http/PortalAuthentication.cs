using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cic.ServiceDefaults.Http;

/// <summary>
/// Every endpoint needs a JWT bearer token unless it says otherwise. Staff (role <c>staff</c>) may act
/// on any account; customer users only on the accounts they are members of, which each service checks.
/// The bearer scheme reads <c>Authentication:Schemes:Bearer</c> (authority, audiences, and in
/// Development the signing keys <c>dotnet user-jwts</c> keeps in user secrets).
/// </summary>
public static class PortalAuthentication
{
    public const string StaffRole = "staff";
    public const string StaffPolicy = "staff";

    public static TBuilder AddPortalAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicy, policy => policy.RequireRole(StaffRole))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>Whether the caller is CIC staff, who may act on any account.</summary>
    public static bool IsStaff(this ClaimsPrincipal user) => user.IsInRole(StaffRole);

    /// <summary>The caller's subject id at the identity provider (the token's <c>sub</c>).</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub")
        ?? throw new InvalidOperationException("The token carries no subject.");
}
