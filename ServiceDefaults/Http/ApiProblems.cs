using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cic.ServiceDefaults.Http;

/// <summary>The RFC 9457 answers endpoints give for refused requests, worded the same way in every service.</summary>
public static class ApiProblems
{
    /// <summary>400: one field's value is not acceptable; the problem's <c>errors</c> name it.</summary>
    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>409: the request contradicts the current state (a duplicate, or a move the account's state does not allow).</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "The request conflicts with the current state.");

    /// <summary>403: the caller may see the account but not do this to it.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
}
