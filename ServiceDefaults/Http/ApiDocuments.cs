using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Cic.ServiceDefaults.Http;

/// <summary>The OpenAPI document of each service, and in Development a browsable reference at <c>/scalar</c>.</summary>
public static class ApiDocuments
{
    public static TBuilder AddApiDocuments<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityScheme>());
        return builder;
    }

    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi().AllowAnonymous();
            app.MapScalarApiReference(options => options
                .WithTitle(app.Environment.ApplicationName)
                .AddPreferredSecuritySchemes(BearerSecurityScheme.Name))
                .AllowAnonymous();
        }

        return app;
    }

    /// <summary>Declares the bearer token every endpoint needs, so the reference can send one.</summary>
    private sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
    {
        public const string Name = "Bearer";

        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from CIC's identity provider; in Development, from `dotnet user-jwts create`.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(Name, document)] = [],
            });
            return Task.CompletedTask;
        }
    }
}
