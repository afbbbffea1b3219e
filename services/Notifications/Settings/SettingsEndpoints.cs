using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cic.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cic.Notifications.Settings;

/// <summary>
/// Switches notification types on or off per channel. Only the entries named change; the others keep
/// their value. Keys are the type names (<c>invoice-issued</c>, …) and the channel names (<c>in-app</c>, <c>email</c>).
/// </summary>
/// <example>{ "settings": { "invoice-issued": { "email": false }, "payment-retry-failed": { "in-app": true, "email": true } } }</example>
public sealed record ChangeNotificationSettings([property: Required] Dictionary<string, Dictionary<string, bool>>? Settings);

/// <summary>Every notification type with each channel's switch: <c>settings[type][channel]</c>.</summary>
public sealed record NotificationSettingsResponse(string UserId, Dictionary<string, Dictionary<string, bool>> Settings);

public static class SettingsEndpoints
{
    public static IEndpointRouteBuilder MapNotificationSettings(this IEndpointRouteBuilder app)
    {
        var mine = app.MapGroup("/me/notification-settings").WithTags("Notification settings");
        mine.MapGet("/", (NotificationsDb db, ClaimsPrincipal user, CancellationToken ct) => Read(user.UserId(), db, ct))
            .WithName("GetMyNotificationSettings")
            .WithSummary("The calling user's notification settings: every type, on or off per channel (all on by default)");
        mine.MapPut("/", (ChangeNotificationSettings request, NotificationsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken ct) =>
                Change(user.UserId(), request, db, user, time, ct))
            .WithName("ChangeMyNotificationSettings")
            .WithSummary("Switch notification types on or off per channel for the calling user")
            .WithDescription("Only the types and channels named change. An unknown type or channel is a 400 naming it, and nothing changes.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        var theirs = app.MapGroup("/users/{userId}/notification-settings")
            .WithTags("Notification settings")
            .RequireAuthorization(PortalAuthentication.StaffPolicy);
        theirs.MapGet("/", (string userId, NotificationsDb db, CancellationToken ct) => Read(userId, db, ct))
            .WithName("GetUserNotificationSettings")
            .WithSummary("A user's notification settings (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        theirs.MapPut("/", (string userId, ChangeNotificationSettings request, NotificationsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken ct) =>
                Change(userId, request, db, user, time, ct))
            .WithName("ChangeUserNotificationSettings")
            .WithSummary("Switch a user's notifications on or off on their behalf (staff)")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Ok<NotificationSettingsResponse>> Read(string userId, NotificationsDb db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await SettingsOfAsync(userId, db, cancellationToken));

    private static async Task<Results<Ok<NotificationSettingsResponse>, ValidationProblem, ProblemHttpResult>> Change(
        string userId, ChangeNotificationSettings request, NotificationsDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var changes = new List<(NotificationType Type, Channel Channel, bool Enabled)>();
        foreach (var (typeName, channels) in request.Settings!)
        {
            if (!NotificationCatalog.TryParseType(typeName, out var type))
            {
                errors[$"settings.{typeName}"] = [$"'{typeName}' is not a notification type. Known types: {NotificationCatalog.KnownTypes}."];
                continue;
            }

            if (channels is null)
            {
                errors[$"settings.{typeName}"] = ["Give an object of channels, e.g. { \"email\": false }."];
                continue;
            }

            foreach (var (channelName, enabled) in channels)
            {
                if (NotificationCatalog.TryParseChannel(channelName, out var channel))
                {
                    changes.Add((type, channel, enabled));
                }
                else
                {
                    errors[$"settings.{typeName}.{channelName}"] = [$"'{channelName}' is not a channel. Known channels: {NotificationCatalog.KnownChannels}."];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var stored = await db.NotificationSettings.Where(s => s.UserId == userId).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var (type, channel, enabled) in changes)
        {
            var setting = stored.FirstOrDefault(s => s.Type == type && s.Channel == channel);
            if (setting is null)
            {
                setting = new NotificationSetting { UserId = userId, Type = type, Channel = channel };
                db.NotificationSettings.Add(setting);
                stored.Add(setting);
            }
            else if (setting.Enabled == enabled)
            {
                continue;
            }

            setting.Enabled = enabled;
            setting.ChangedAt = now;
            setting.ChangedBy = user.UserId();
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ApiProblems.Conflict("The settings were changed at the same moment by another request; read them and try again.");
        }

        return TypedResults.Ok(Describe(userId, stored));
    }

    private static async Task<NotificationSettingsResponse> SettingsOfAsync(string userId, NotificationsDb db, CancellationToken cancellationToken) =>
        Describe(userId, await db.NotificationSettings.Where(s => s.UserId == userId).ToListAsync(cancellationToken));

    private static NotificationSettingsResponse Describe(string userId, List<NotificationSetting> stored) => new(
        userId,
        NotificationCatalog.Types.ToDictionary(
            type => type.Name(),
            type => NotificationCatalog.Channels.ToDictionary(
                channel => channel.Name(),
                channel => stored.FirstOrDefault(s => s.Type == type && s.Channel == channel)?.Enabled ?? NotificationSetting.Default)));
}
