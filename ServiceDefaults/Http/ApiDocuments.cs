using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Cic.ServiceDefaults.Http;

/// <summary>
/// The OpenAPI document of each service, and in Development a browsable reference at <c>/scalar</c>. The
/// document is what a generated client relies on, so it says what the API does: camelCase query names (as
/// every JSON name), only what is required as required, integers as integers, known value sets as enums,
/// the bearer token on every operation that needs one (with its 401, and 403 for staff-only ones), and every
/// error as a problem (<c>application/problem+json</c>).
/// </summary>
public static class ApiDocuments
{
    public static TBuilder AddApiDocuments<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddSchemaTransformer<SchemaConventions>();
            options.AddOperationTransformer<OperationConventions>();
            options.AddDocumentTransformer<DocumentConventions>();
        });
        return builder;
    }

    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi().AllowAnonymous();
            app.MapScalarApiReference(options => options
                .WithTitle(app.Environment.ApplicationName)
                .AddPreferredSecuritySchemes(DocumentConventions.BearerScheme))
                .AllowAnonymous();
        }

        return app;
    }

    internal const string ProblemSchema = "Problem";
    internal const string ProblemMediaType = "application/problem+json";

    internal static OpenApiMediaType ProblemContent() => new() { Schema = new OpenApiSchemaReference(ProblemSchema) };

    /// <summary>The bearer scheme, the problem schema, licence, tag descriptions and servers without a trailing slash.</summary>
    private sealed class DocumentConventions : IOpenApiDocumentTransformer
    {
        public const string BearerScheme = "Bearer";

        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from CIC's identity provider; in Development, from `dotnet user-jwts create` (`./cic token`).",
            };
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = Problem();

            document.Info.License ??= new OpenApiLicense
            {
                Name = "Proprietary: CIC internal, not for distribution",
                Identifier = "LicenseRef-CIC-Proprietary",
            };
            document.Info.Description ??= "A CIC billing platform service. Errors are RFC 9457 problem details; every operation but the health checks and Stripe's webhook needs a bearer token.";

            // Every operation that answers 401 needs the token; the others (health, Stripe's webhook) need none.
            foreach (var operation in (document.Paths?.Values ?? Enumerable.Empty<IOpenApiPathItem>()).SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
            {
                operation.Security = operation.Responses?.ContainsKey("401") == true
                    ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }]
                    // An empty requirement: explicitly no token (Stripe calls the webhook with its signature instead).
                    : [new OpenApiSecurityRequirement()];
            }

            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            var tags = (document.Paths?.Values ?? Enumerable.Empty<IOpenApiPathItem>())
                .SelectMany(path => path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                .SelectMany(operation => operation.Tags ?? Enumerable.Empty<OpenApiTagReference>())
                .Select(tag => tag.Name)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .ToList();
            document.Tags ??= new HashSet<OpenApiTag>();
            foreach (var name in tags)
            {
                var tag = document.Tags.FirstOrDefault(t => t.Name == name);
                if (tag is null)
                {
                    tag = new OpenApiTag { Name = name };
                    document.Tags.Add(tag);
                }

                tag.Description ??= $"{name}: operations of the {context.DocumentName} document of {context.ApplicationServices.GetRequiredService<IHostEnvironment>().ApplicationName}.";
            }

            return Task.CompletedTask;
        }

        /// <summary>RFC 9457 problem details as the services write them; <c>errors</c> names each refused field.</summary>
        private static OpenApiSchema Problem() => new()
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. A 400 names each refused field in `errors` (a JSON path or a camelCase parameter name).",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
        };
    }

    /// <summary>camelCase query names; the bearer requirement with its 401 (and 403) where a token is needed; problems as problems.</summary>
    private sealed class OperationConventions : IOpenApiOperationTransformer
    {
        /// <summary>
        /// Every value of the route is a documented path parameter, also one the handler does not bind itself because
        /// its route group reads it (e.g. Billing's <c>{accountId}</c>, whose account the group looks up once).
        /// </summary>
        private static void DocumentUnboundRouteValues(OpenApiOperation operation, OpenApiOperationTransformerContext context)
        {
            // A minimal API's relative path is its route pattern as written, constraints included.
            if (context.Description.RelativePath is not { Length: > 0 } template)
            {
                return;
            }

            foreach (var value in RoutePatternFactory.Parse(template).Parameters)
            {
                operation.Parameters ??= [];
                if (operation.Parameters.Any(p => p.In == ParameterLocation.Path && p.Name == value.Name))
                {
                    continue;
                }

                var guid = value.ParameterPolicies.Any(p => p.Content == "guid");
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = value.Name,
                    In = ParameterLocation.Path,
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = guid ? "uuid" : null },
                });
            }
        }

        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (parameter.In == ParameterLocation.Query && parameter.Name is { Length: > 0 } name)
                {
                    parameter.Name = char.ToLowerInvariant(name[0]) + name[1..];
                }
            }

            DocumentUnboundRouteValues(operation, context);

            operation.Responses ??= new OpenApiResponses();
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAllowAnonymous>().Any())
            {
                // The bearer requirement itself is added by DocumentConventions, to every operation with this 401.
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No bearer token, or one that is invalid or expired." });
                if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == PortalAuthentication.StaffPolicy))
                {
                    operation.Responses.TryAdd("403", new OpenApiResponse { Description = "Only CIC staff may do this." });
                }
            }

            // Whatever it takes (a body, route or query values), unreadable input is a 400 naming the field.
            if ((operation.Parameters?.Count ?? 0) > 0 || operation.RequestBody is not null)
            {
                operation.Responses.TryAdd("400", new OpenApiResponse { Description = "The request could not be read or breaks a rule; `errors` names each field." });
            }

            // A text body (the CSV export) is a string, not JSON.
            foreach (var content in operation.Responses.Values.OfType<OpenApiResponse>().SelectMany(r => r.Content ?? new Dictionary<string, OpenApiMediaType>()))
            {
                if (content.Key.StartsWith("text/", StringComparison.Ordinal) && content.Value.Schema is null or OpenApiSchema { Type: null })
                {
                    content.Value.Schema = new OpenApiSchema { Type = JsonSchemaType.String };
                }
            }

            foreach (var (status, response) in operation.Responses)
            {
                if (status.StartsWith('4') || status.StartsWith('5'))
                {
                    if (response is OpenApiResponse concrete)
                    {
                        concrete.Content ??= new Dictionary<string, OpenApiMediaType>();
                        if (concrete.Content.Count == 0)
                        {
                            concrete.Content[ProblemMediaType] = ProblemContent();
                        }

                        if (string.IsNullOrEmpty(concrete.Description))
                        {
                            concrete.Description = status switch { "404" => "Not found, or not visible to the caller.", "409" => "Conflicts with the current state.", _ => "A problem." };
                        }
                    }
                }
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Optional (nullable) properties are not required; <see cref="AllowedValuesAttribute"/> values are an enum; no null among enum values.</summary>
    private sealed class SchemaConventions : IOpenApiSchemaTransformer
    {
        public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
        {
            if (schema.Required is { Count: > 0 } required && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object)
            {
                foreach (var property in context.JsonTypeInfo.Properties)
                {
                    if (IsOptional(property))
                    {
                        required.Remove(property.Name);
                    }
                }
            }

            // Strings are read by InputText's converter, which hides from the generator that they are strings.
            if (context.JsonTypeInfo.Type == typeof(string) && schema.Type is null)
            {
                schema.Type = context.JsonPropertyInfo is { } property && (property.IsGetNullable || property.IsSetNullable)
                    ? JsonSchemaType.String | JsonSchemaType.Null
                    : JsonSchemaType.String;
            }

            if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: true) is [AllowedValuesAttribute allowed, ..])
            {
                schema.Enum = allowed.Values.OfType<object>().Select(value => (JsonNode)JsonValue.Create(value.ToString())!).ToList();
            }

            if (schema.Enum is { Count: > 0 } values && values.Any(value => value is null))
            {
                schema.Enum = values.Where(value => value is not null).ToList()!;
            }

            return Task.CompletedTask;
        }

        /// <summary>A nullable property may be left out of a request (it binds as null).</summary>
        private static bool IsOptional(JsonPropertyInfo property) =>
            Nullable.GetUnderlyingType(property.PropertyType) is not null || (!property.PropertyType.IsValueType && property.IsSetNullable && !property.IsRequired);
    }
}
