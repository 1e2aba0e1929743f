using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Strait.Upstream.Dns;

namespace Strait.Benchmarks;

/// <summary>
/// One discovery lookup through <see cref="NameServerResolver"/> against a real dnsmasq on loopback: a name with 3 A
/// records and 1 AAAA record (one UDP exchange per family), and a name with 60 A records whose UDP answer is
/// truncated, so the A query is asked again over TCP.
/// </summary>
/// <remarks>
/// dnsmasq answers from a hosts file it does not cache (<c>--local-ttl=0</c>), so every call is a full round trip;
/// the figures include dnsmasq's own time on the same cores. dnsmasq runs as in production, with a child process per
/// TCP connection: in debug mode (<c>--no-daemon</c>) it serves one TCP connection at a time until the client closes
/// it, and DnsClient keeps its TCP connections open for reuse. Needs <c>/usr/sbin/dnsmasq</c> (apt-get install dnsmasq-base).
/// </remarks>
[MemoryDiagnoser]
public class DnsBenchmarks
{
    private const string Zone = "bench.local";
    private const string Small = "tasks." + Zone;
    private const string Large = "many." + Zone;

    private Process dnsmasq = null!;
    private DirectoryInfo root = null!;
    private NameServerResolver resolver = null!;
    private int stopped;

    [GlobalSetup]
    public void Setup()
    {
        root = Directory.CreateTempSubdirectory("strait-dns-bench-");
        var hosts = Path.Combine(root.FullName, "hosts");
        File.WriteAllLines(hosts, [
            $"10.0.0.1 {Small}", $"10.0.0.2 {Small}", $"10.0.0.3 {Small}", $"fd00::1 {Small}",
            .. Enumerable.Range(1, 60).Select(i => string.Create(CultureInfo.InvariantCulture, $"10.1.0.{i} {Large}"))]);
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/sbin/dnsmasq");
        foreach (var argument in (string[])[
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", $"--port={port}", $"--addn-hosts={hosts}", $"--local=/{Zone}/",
            "--local-ttl=0", "--edns-packet-max=512", "--pid-file=", "--log-facility=-", "--user=" + Environment.UserName])
        {
            start.ArgumentList.Add(argument);
        }

        dnsmasq = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");

        // A setup or benchmark that throws skips GlobalCleanup; the end of this process stops dnsmasq all the same.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup();
        resolver = new NameServerResolver([new IPEndPoint(IPAddress.Loopback, port)], TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (Small4().Count == 4 && Large60().Count == 60)
                {
                    return;
                }
            }
            catch (DnsResolutionException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
            }

            Thread.Sleep(50);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        dnsmasq.Kill(entireProcessTree: true);
        dnsmasq.WaitForExit();
        dnsmasq.Dispose();
        root.Delete(recursive: true);
    }

    [Benchmark(Description = "A+AAAA, 4 addresses, UDP")]
    public IReadOnlyList<IPAddress> Small4() => resolver.ResolveAsync(Small, CancellationToken.None).GetAwaiter().GetResult();

    [Benchmark(Description = "A+AAAA, 60 addresses, UDP truncated then TCP")]
    public IReadOnlyList<IPAddress> Large60() => resolver.ResolveAsync(Large, CancellationToken.None).GetAwaiter().GetResult();

    private static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Free for UDP, taken for TCP: dnsmasq needs both.
            }
        }
    }
}
