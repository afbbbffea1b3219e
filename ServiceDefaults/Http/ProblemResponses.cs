using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cic.ServiceDefaults.Http;

/// <summary>
/// Every error a service returns is an RFC 9457 problem: unhandled exceptions (details only in
/// Development), unreadable request bodies (naming the field), and bare status codes such as
/// 401, 403 and 404.
/// </summary>
public static class ProblemResponses
{
    public static TBuilder AddProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
        });
        builder.Services.AddExceptionHandler<UnreadableRequestHandler>();
        builder.Services.AddSingleton<IDeveloperPageExceptionFilter, UnreadableRequestHandler>();
        builder.Services.AddInputText();

        // Minimal APIs answer an unreadable body with an empty 400 outside Development; throwing lets
        // UnreadableRequestHandler say which field was wrong, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        builder.Services.AddTransient<IStartupFilter, ProblemResponsesFirst>();
        return builder;
    }

    /// <summary>Puts the exception handler and status-code problems first, whatever the service's own order.</summary>
    private sealed class ProblemResponsesFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            next(app);
        };
    }
}

/// <summary>
/// Answers an unreadable request (<see cref="BadHttpRequestException"/>) where it is thrown, inside the pipeline:
/// it is the client's mistake, so it must reach neither the developer exception page nor the exception handler,
/// which log it as <c>fail: An unhandled exception has occurred</c>. Logged at Debug.
/// </summary>
internal sealed partial class UnreadableRequests(RequestDelegate next, IProblemDetailsService problemDetails, ILogger<UnreadableRequests> log)
{
    public async Task InvokeAsync(HttpContext httpContext)
    {
        try
        {
            await next(httpContext);
        }
        catch (BadHttpRequestException badRequest) when (!httpContext.Response.HasStarted)
        {
            LogRefused(httpContext.Request.Method, httpContext.Request.Path, badRequest.StatusCode, badRequest.Message);
            if (!await new UnreadableRequestHandler(problemDetails).TryHandleAsync(httpContext, badRequest, httpContext.RequestAborted))
            {
                throw;
            }
        }
    }

    [LoggerMessage(LogLevel.Debug, "{Method} {Path} refused with {Status}: {Reason}")]
    private partial void LogRefused(string method, string path, int status, string reason);
}

/// <summary>
/// Turns a request that could not be read (malformed JSON, a wrong type, a value that is not plain text, a
/// query or route value that does not parse, a missing body) into a 400 naming the field, in every
/// environment: as the exception handler, and in Development ahead of the developer exception page, so a
/// 4xx never carries a stack trace.
/// </summary>
internal sealed class UnreadableRequestHandler(IProblemDetailsService problemDetails) : IExceptionHandler, IDeveloperPageExceptionFilter
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        exception is BadHttpRequestException badRequest && await WriteAsync(httpContext, badRequest);

    public async Task HandleExceptionAsync(ErrorContext errorContext, Func<ErrorContext, Task> next)
    {
        if (errorContext.Exception is not BadHttpRequestException badRequest || !await WriteAsync(errorContext.HttpContext, badRequest))
        {
            await next(errorContext);
        }
    }

    private async Task<bool> WriteAsync(HttpContext httpContext, BadHttpRequestException badRequest)
    {
        var (field, message) = Describe(badRequest);
        httpContext.Response.StatusCode = badRequest.StatusCode;
        // No exception in the context: the problem must not carry its details, in Development either.
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = badRequest.StatusCode,
                Title = "The request could not be read.",
                Detail = message,
            },
        });
    }

    internal static (string Field, string Message) Describe(BadHttpRequestException badRequest)
    {
        if (badRequest.InnerException is JsonException json)
        {
            if (json.Path is null or "$" || (json.InnerException is JsonException && json is not RefusedTextException))
            {
                return ("body", "The body is not valid JSON.");
            }

            var field = FieldOf(json.Path);
            return json is RefusedTextException
                ? (field, $"'{field}' {InputText.Refusal}.")
                : (field, $"'{field}' has a value of the wrong type or format.");
        }

        // Route, query and header binding failures name the parameter in quotes: Failed to bind parameter "Guid id" from "x".
        var text = badRequest.Message;
        var start = text.IndexOf('"');
        var end = start >= 0 ? text.IndexOf('"', start + 1) : -1;
        if (start >= 0 && end > start)
        {
            var parameter = text[(start + 1)..end];
            var name = parameter.Contains(' ') ? parameter[(parameter.LastIndexOf(' ') + 1)..] : parameter;
            // Query names are camelCase, like every JSON name ([AsParameters] records name them after their properties).
            name = name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : name;
            var from = text.IndexOf(" from \"", StringComparison.Ordinal);
            return from >= 0 && text.EndsWith("\".", StringComparison.Ordinal)
                ? (name, $"'{name}' could not be read from {text[(from + 6)..^1]}: it has the wrong type or format.")
                : (name, text);
        }

        return ("request", text);
    }

    /// <summary>A JSON path as the field's name: <c>$.settings['invoice-issued'].email</c> is <c>settings.invoice-issued.email</c>.</summary>
    internal static string FieldOf(string path)
    {
        var field = new StringBuilder();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
                continue;
            }

            if (path.AsSpan(i).StartsWith("['"))
            {
                var close = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                close = close < 0 ? path.Length : close;
                Append(field, path[(i + 2)..close]);
                i = close + 2;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                close = close < 0 ? path.Length - 1 : close;
                field.Append(path, i, close - i + 1);
                i = close + 1;
            }
            else
            {
                var next = path.IndexOfAny(['.', '['], i);
                next = next < 0 ? path.Length : next;
                Append(field, path[i..next]);
                i = next;
            }
        }

        return field.Length == 0 ? "body" : field.ToString();

        static void Append(StringBuilder field, string name) => field.Append(field.Length == 0 ? "" : ".").Append(name);
    }
}
