using System.Net;
using System.Net.Sockets;

namespace Cic.Testing;

public static class LoopbackPort
{
    /// <summary>A loopback port free at the moment of asking, for a server a test starts.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
