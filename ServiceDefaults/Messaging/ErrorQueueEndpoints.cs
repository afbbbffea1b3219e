using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cic.ServiceDefaults.Messaging;

public sealed record ErrorQueueResponse(string Queue, long Depth);

/// <summary>Which messages to send back: their ids as listed, or <c>all</c> true for every message in the queue.</summary>
public sealed record ReplayRequest(IReadOnlyList<string>? MessageIds, bool All = false);

/// <summary>
/// Staff endpoints for on-call: the service's <c>_error</c> queues with their depth, the messages in one
/// (reason, when it failed, body), and replay of chosen ones after the cause is fixed (<see cref="ErrorQueues"/>).
/// </summary>
public static class ErrorQueueEndpoints
{
    public static IEndpointRouteBuilder MapErrorQueues(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<ErrorQueues>() is null)
        {
            return app;
        }

        var queues = app.MapGroup("/error-queues")
            .WithTags("Error queues")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);

        queues.MapGet("/", List)
            .WithName("ListErrorQueues")
            .WithSummary("The service's error queues and how many failed messages each holds (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        queues.MapGet("/{queue}/messages", Messages)
            .WithName("ListFailedMessages")
            .WithSummary("The failed messages of an error queue, oldest first, with the reason, when they failed and their body; they stay in the queue (staff)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        queues.MapPost("/{queue}/replay", Replay)
            .WithName("ReplayFailedMessages")
            .WithSummary("Send chosen failed messages (or all) back to the queue they failed on, once their cause is fixed; audited (staff)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return app;
    }

    private static async Task<Ok<IReadOnlyList<ErrorQueueResponse>>> List(ErrorQueues errorQueues, CancellationToken cancellationToken)
    {
        var depths = await errorQueues.DepthsAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ErrorQueueResponse>>(depths.Select(d => new ErrorQueueResponse(d.ErrorQueue, d.Depth)).ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<FailedMessage>>, NotFound, ValidationProblem>> Messages(
        string queue, ErrorQueues errorQueues, CancellationToken cancellationToken, int limit = 100)
    {
        if (limit is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000."] });
        }

        if (!errorQueues.TryInputQueueOf(queue, out _))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await errorQueues.PeekAsync(queue, limit, cancellationToken));
    }

    private static async Task<Results<Ok<ReplayResult>, NotFound, ValidationProblem>> Replay(
        string queue, ReplayRequest request, HttpContext http, ErrorQueues errorQueues, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!errorQueues.TryInputQueueOf(queue, out _))
        {
            return TypedResults.NotFound();
        }

        if (request.All == (request.MessageIds is { Count: > 0 }))
        {
            return ApiProblems.Field("messageIds", "Give either the ids of the messages to replay, or all: true.");
        }

        var staff = http.User.Identity?.Name ?? http.User.UserId();
        return TypedResults.Ok(await errorQueues.ReplayAsync(queue, request.All ? null : request.MessageIds!, staff, time.GetUtcNow(), cancellationToken));
    }
}
