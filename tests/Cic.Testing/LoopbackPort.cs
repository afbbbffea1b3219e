using System.Net;
using System.Net.Sockets;

namespace Cic.Testing;

public static class LoopbackPort
{
    // Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by default), where no outgoing
    // connection is ever given a local port: the ports bind(0) hands out come from that range, and every client
    // connection on the machine takes one from it too, so a port picked there is the one most likely to be gone.
    private const int First = 20_000;
    private const int Last = 32_767;

    /// <summary>
    /// A loopback port free at the moment of asking, only for servers that cannot bind port 0 and report the port
    /// they got (RabbitMQ, PostgreSQL): another process may still take it before the server binds it, so whoever uses
    /// it must try again on a fresh port when the bind fails. Servers that can bind port 0 must do so instead.
    /// Drawn at random below the ephemeral range, where only another server picking a port could take it.
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // in use: draw again
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 100 draws.");
    }
}
