using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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

/// <summary>Turns a request that could not be read (malformed JSON, a wrong type, a missing body) into a 400 naming the field.</summary>
internal sealed class UnreadableRequestHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var (field, message) = Describe(badRequest);
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = badRequest.StatusCode,
                Title = "The request could not be read.",
                Detail = message,
            },
        });
    }

    private static (string Field, string Message) Describe(BadHttpRequestException badRequest)
    {
        if (badRequest.InnerException is JsonException json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
            var message = json.Path is null or "$"
                ? "The body is not valid JSON."
                : $"'{field}' has a value of the wrong type or format.";
            return (field, message);
        }

        // Route, query and header binding failures name the parameter in quotes: Failed to bind parameter "Guid id" from "x".
        var text = badRequest.Message;
        var start = text.IndexOf('"');
        var end = start >= 0 ? text.IndexOf('"', start + 1) : -1;
        if (start >= 0 && end > start)
        {
            var parameter = text[(start + 1)..end];
            var name = parameter.Contains(' ') ? parameter[(parameter.LastIndexOf(' ') + 1)..] : parameter;
            return (name, text);
        }

        return ("request", text);
    }
}
