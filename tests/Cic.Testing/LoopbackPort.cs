using System.Net;
using System.Net.Sockets;

namespace Cic.Testing;

/// <summary>
/// Loopback ports for the servers a test starts that cannot bind port 0 and report the port they got (PostgreSQL,
/// RabbitMQ, the AppHost's mail sink and proxies). Servers that can bind port 0 must do so instead.
/// </summary>
/// <remarks>
/// A port is never picked, freed and bound later by whoever comes first: it is reserved, and stays reserved until the
/// test lets it go, across restarts of the server on it. Two things make that hold. Ports are drawn below the kernel's
/// ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by default), so no bind(0) and no outgoing connection on
/// the machine is ever given one. And every test process on the machine, of any checkout, reserves through a lock
/// file in one shared folder, held with an exclusive lock the kernel drops when the process ends, however it ends; a
/// crashed test run leaves nothing reserved. The files stay: removing one would let two holders lock two different
/// files of one name.
/// </remarks>
public static class LoopbackPort
{
    private const int First = 20_000;
    private const int Last = 32_767;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "cic-ports");

    /// <summary>A loopback port free now and reserved for the caller until the reservation is disposed.</summary>
    public static ReservedPort Reserve()
    {
        Directory.CreateDirectory(Folder);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            FileStream reservation;
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: a second holder, in this process or another, fails.
                reservation = new FileStream(
                    Path.Combine(Folder, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue; // another test holds it
            }

            if (IsFree(port))
            {
                return new ReservedPort(port, reservation);
            }

            reservation.Dispose(); // a server outside the tests holds it
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 200 draws.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A loopback port nobody else among the tests on this machine is given while this is not disposed.</summary>
public sealed class ReservedPort(int port, FileStream reservation) : IDisposable
{
    public int Port { get; } = port;

    public override string ToString() => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => reservation.Dispose();
}
