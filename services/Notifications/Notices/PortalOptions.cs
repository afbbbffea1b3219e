namespace Cic.Notifications.Notices;

/// <summary>Where the customer portal is, for the links notifications carry (<c>Portal__BaseUrl</c>).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The portal's address, e.g. <c>https://portal.cic.example</c>. Without it, notifications say where to go in words.</summary>
    public Uri? BaseUrl { get; set; }
}
