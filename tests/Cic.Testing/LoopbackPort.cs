using System.Net;
using System.Net.Sockets;

namespace Cic.Testing;

public static class LoopbackPort
{
    /// <summary>
    /// A loopback port free at the moment of asking, only for servers that cannot bind port 0 and report the port
    /// they got (RabbitMQ, PostgreSQL): another process may take it before the server binds it, so whoever uses it
    /// must try again on a fresh port when the bind fails. Servers that can bind port 0 must do so instead.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
