using System.Text;
using Cic.StripeEmulator.Control;
using Cic.StripeEmulator.Hosting;

namespace Cic.StripeEmulator.Api;

/// <summary>
/// The request pipeline every Stripe API call goes through, in Stripe's order: <c>Request-Id</c>, error envelope,
/// authentication, rate limits, (injected faults), idempotency, then the resource handler.
/// Control (<c>/_emulator/*</c>) and <c>/health</c> skip authentication, faults and idempotency.
/// </summary>
internal sealed class StripePipeline(
    RequestDelegate next,
    StripeEmulatorOptions options,
    IdempotencyStore idempotency,
    FaultInjector faults,
    RateLimits rateLimits,
    ILogger<StripePipeline> logger)
{
    private const string RequestIdItem = "stripe-emulator.request-id";

    /// <summary>Set on a request authenticated with a publishable key (<see cref="ApiRequest.Publishable"/>).</summary>
    public const string PublishableItem = "stripe-emulator.publishable";

    // What a publishable key may do, as Stripe.js does it: read and confirm a SetupIntent with its client secret.
    private static readonly System.Text.RegularExpressions.Regex PublishableCall =
        new("^(GET /v1/setup_intents/[^/]+|POST /v1/setup_intents/[^/]+/confirm)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static string RequestIdOf(HttpContext http) => (string)http.Items[RequestIdItem]!;

    public async Task InvokeAsync(HttpContext http)
    {
        // Stripe.net builds URLs as ApiBase + "/v1/…", so a trailing slash in a configured base yields "//v1/…".
        var path = http.Request.Path.Value ?? "/";
        while (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[1..];
        }
        http.Request.Path = path;

        var requestId = Ids.New("req", 14);
        http.Items[RequestIdItem] = requestId;
        http.Response.Headers["Request-Id"] = requestId;

        var isApi = path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/", StringComparison.Ordinal);
        if (isApi)
        {
            // Browsers call the API straight from the page (Stripe.js does), as they may on Stripe.
            http.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                http.Response.Headers.AccessControlAllowMethods = "GET, POST, DELETE";
                http.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, Stripe-Version, Idempotency-Key, Stripe-Account";
                http.Response.Headers.AccessControlMaxAge = "300";
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
        }

        try
        {
            if (!isApi)
            {
                await next(http);
                return;
            }
            await AuthenticateAsync(http, path);
            rateLimits.Admit(http.Request.Method, path);
            await InjectFaultAsync(http, path);
            await WithIdempotencyAsync(http);
        }
        catch (StripeApiException error)
        {
            await WriteErrorAsync(http, error);
        }
        catch (Exception error) when (isApi && error is not OperationCanceledException)
        {
            // A bug in the emulator: answer like Stripe's own 500 so the client sees an api_error, and log it loudly.
            Log.UnhandledError(logger, error, http.Request.Method, path);
            await WriteErrorAsync(http, StripeApiException.ApiError(500, $"Stripe emulator internal error: {error.Message}", shouldRetry: null));
        }
    }

    public static async Task WriteErrorAsync(HttpContext http, StripeApiException error)
    {
        if (http.Response.HasStarted)
        {
            return;
        }
        http.Response.Clear();
        http.Response.Headers["Request-Id"] = RequestIdOf(http);
        http.Response.Headers.AccessControlAllowOrigin = "*";
        http.Response.StatusCode = error.Status;
        foreach (var (name, value) in error.Headers)
        {
            http.Response.Headers[name] = value;
        }
        if (error.Status == 429 && !error.Headers.ContainsKey("Stripe-Rate-Limited-Reason") && error.Code == "rate_limit")
        {
            http.Response.Headers["Stripe-Rate-Limited-Reason"] = "global-rate";
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(error.ToEnvelope(RequestIdOf(http)).ToJsonString(ObjectRenderer.Json));
    }

    private async Task AuthenticateAsync(HttpContext http, string path)
    {
        var header = http.Request.Headers.Authorization.FirstOrDefault();
        if (string.IsNullOrWhiteSpace(header))
        {
            // Stripe.js sends its publishable key as the `key` parameter instead of a header.
            if ((await ApiRequest.ParamsAsync(http)).String("key") is { Length: > 0 } formKey)
            {
                AuthenticatePublishable(http, path, formKey);
                return;
            }

            throw StripeApiException.Unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }
        var key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                ? DecodeBasic(header["Basic ".Length..].Trim())
                : string.Empty;
        if (key.StartsWith("pk_", StringComparison.Ordinal))
        {
            AuthenticatePublishable(http, path, key);
            return;
        }
        var accepted = options.ApiKeys.Count > 0
            ? options.ApiKeys.Contains(key)
            : key.Length > "sk_test_".Length && (key.StartsWith("sk_test_", StringComparison.Ordinal) || key.StartsWith("rk_test_", StringComparison.Ordinal));
        if (!accepted)
        {
            throw StripeApiException.Unauthorized($"Invalid API Key provided: {Shown(key)}");
        }
    }

    /// <summary>
    /// A publishable key (any <c>pk_test_…</c>) may only read and confirm a SetupIntent, and the handler then
    /// requires that SetupIntent's client secret: what Stripe allows a browser, and nothing else.
    /// </summary>
    private static void AuthenticatePublishable(HttpContext http, string path, string key)
    {
        if (!key.StartsWith("pk_test_", StringComparison.Ordinal) || key.Length <= "pk_test_".Length)
        {
            throw StripeApiException.Unauthorized($"Invalid API Key provided: {Shown(key)}");
        }
        if (!PublishableCall.IsMatch($"{http.Request.Method} {path}"))
        {
            throw StripeApiException.Unauthorized(
                "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.");
        }
        http.Items[PublishableItem] = true;
    }

    private static string Shown(string key) => key.Length > 4 ? $"{key[..Math.Min(8, key.Length - 4)]}****{key[^4..]}" : "****";

    private static string DecodeBasic(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? text : text[..colon];
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private async Task InjectFaultAsync(HttpContext http, string path)
    {
        if (faults.Take(http.Request.Method, path) is not { } fault)
        {
            return;
        }
        Log.FaultInjected(logger, fault.Status, fault.Latency, http.Request.Method, path);
        if (fault.Latency > TimeSpan.Zero)
        {
            await Task.Delay(fault.Latency, http.RequestAborted);
        }
        if (fault.ToError() is { } error)
        {
            throw error;
        }
    }

    private async Task WithIdempotencyAsync(HttpContext http)
    {
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (!HttpMethods.IsPost(http.Request.Method) || string.IsNullOrEmpty(key))
        {
            await next(http);
            return;
        }
        http.Response.Headers["Idempotency-Key"] = key;
        if (key.Length > 255)
        {
            throw StripeApiException.Invalid("Idempotency keys must be at most 255 characters long.", "Idempotency-Key");
        }

        var fingerprint = $"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\n{await RequestBody.ReadAsync(http)}";
        switch (idempotency.Begin(key, fingerprint, out var saved))
        {
            case IdempotencyStore.Outcome.Mismatch:
                throw StripeApiException.IdempotencyMismatch(key);
            case IdempotencyStore.Outcome.InProgress:
                throw StripeApiException.IdempotencyInProgress();
            case IdempotencyStore.Outcome.Replay:
                http.Response.StatusCode = saved!.Status;
                http.Response.Headers["Idempotent-Replayed"] = "true";
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(saved.Body);
                return;
        }

        // Run the handler into a buffer so the exact response can be saved for replays.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            try
            {
                await next(http);
            }
            catch (StripeApiException error)
            {
                await WriteErrorAsync(http, error);
            }
        }
        catch
        {
            idempotency.Abandon(key);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        var status = http.Response.StatusCode;
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        // Stripe saves a result once the endpoint began executing (successes, card declines, its own 500s), not
        // validation failures: a 400/404 lets the client fix the request and retry with the same key.
        if (status is 200 or 402 or >= 500)
        {
            idempotency.Complete(key, new IdempotencyStore.SavedResponse(status, body));
        }
        else
        {
            idempotency.Abandon(key);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }
}
