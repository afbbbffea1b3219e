using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.ServiceDefaults.Http;

/// <summary>
/// Every string a service accepts — in a JSON body, the path or the query — is plain text: control
/// characters (NUL, which PostgreSQL cannot store, and the other C0/C1 controls, tabs and line breaks
/// included) and unpaired surrogates are refused with a 400 naming the field, before any handler runs.
/// </summary>
public static class InputText
{
    public const string Refusal = "must not contain control characters (such as NUL, tab or line breaks)";

    /// <summary>Whether <paramref name="text"/> holds a character no field accepts.</summary>
    public static bool IsRefused(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return true;
            }

            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }

                i++;
            }
        }

        return false;
    }

    internal static void AddInputText(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new PlainStringConverter());
            // Numbers as numbers ("12" is a string, not a number), which is also what the OpenAPI documents then say.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // Enums by name only: a number would be stored as whatever it happens to mean (role 7). Takes
            // precedence over the enums' own [JsonConverter] attributes, which allow numbers.
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        });
}

/// <summary>A string in a JSON body that is not plain text; the path of the field is added by the serializer.</summary>
public sealed class RefusedTextException() : JsonException(InputText.Refusal);

/// <summary>Reads every JSON string of a request body (property values and dictionary keys) and refuses what is not plain text.</summary>
internal sealed class PlainStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is not null && InputText.IsRefused(text) ? throw new RefusedTextException() : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString()!;
        return InputText.IsRefused(text) ? throw new RefusedTextException() : text;
    }

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}

/// <summary>Refuses a request whose route values or query values are not plain text, naming the parameter.</summary>
internal sealed class PlainTextRouteAndQuery(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text && InputText.IsRefused(text))
            {
                return RefuseAsync(context, name);
            }
        }

        foreach (var (name, values) in context.Request.Query)
        {
            if (InputText.IsRefused(name) || values.Any(value => value is not null && InputText.IsRefused(value)))
            {
                return RefuseAsync(context, name);
            }
        }

        return next(context);
    }

    private static Task RefuseAsync(HttpContext context, string field) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [$"'{field}' {InputText.Refusal}."] },
            title: "The request could not be read.").ExecuteAsync(context);
}
