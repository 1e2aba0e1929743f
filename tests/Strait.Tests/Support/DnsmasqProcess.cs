using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Strait.Upstream.Dns;

namespace Strait.Tests.Support;

/// <summary>
/// A real dnsmasq on 127.0.0.1, authoritative for <see cref="Zone"/>: names under it come from hosts files the test
/// writes with <see cref="SetHostsAsync"/>; any other name in the zone is NXDOMAIN.
/// </summary>
internal sealed class DnsmasqProcess : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dnsmasq";

    public const string Zone = "cluster.local";

    private const int StartAttempts = 5;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(250);
    private readonly ChildProcess process;
    private readonly DirectoryInfo root;
    private readonly string hostsDirectory;
    private readonly string stagingDirectory;
    private readonly NameServerResolver poller;

    private DnsmasqProcess(ChildProcess process, DirectoryInfo root, IPEndPoint endPoint)
    {
        this.process = process;
        this.root = root;
        hostsDirectory = HostsDirectory(root);
        stagingDirectory = StagingDirectory(root);
        EndPoint = endPoint;
        poller = new NameServerResolver([endPoint], PollTimeout);
    }

    public IPEndPoint EndPoint { get; }

    public string Output => process.Output;

    /// <param name="extraArguments">More dnsmasq options, e.g. <c>--cname=alias,target</c> (fixed at start: SIGHUP does not re-read them).</param>
    public static async Task<DnsmasqProcess> StartAsync(params string[] extraArguments)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} not found: apt-get install dnsmasq-base (./test.sh installs it when run as root)");
        }

        var root = Directory.CreateTempSubdirectory("strait-dnsmasq-");
        try
        {
            Directory.CreateDirectory(HostsDirectory(root));
            Directory.CreateDirectory(StagingDirectory(root));
            for (var attempt = 1; ; attempt++)
            {
                // The port is free when chosen but dnsmasq binds it later, so another test may take it first.
                var port = FreePort();
                var process = ChildProcess.Start(Binary, Arguments(port, HostsDirectory(root), extraArguments));
                try
                {
                    await process.WaitForLineAsync(line => line.Contains("started, version", StringComparison.Ordinal));
                    var dnsmasq = new DnsmasqProcess(process, root, new IPEndPoint(IPAddress.Loopback, port));
                    await dnsmasq.WaitForAnswerAsync("ready-probe." + Zone, []);
                    return dnsmasq;
                }
                catch (InvalidOperationException) when (attempt < StartAttempts)
                {
                    // Exited can be raised before the last stderr line is read; waiting for the exit drains the pipes.
                    try
                    {
                        await process.WaitForExitAsync(TimeSpan.FromSeconds(5));
                    }
                    catch (OperationCanceledException)
                    {
                        // Still running, so not a bind failure: rethrown below.
                    }

                    var portTaken = process.Output.Contains("Address already in use", StringComparison.Ordinal);
                    await process.DisposeAsync();
                    if (!portTaken)
                    {
                        throw;
                    }
                }
                catch
                {
                    await process.DisposeAsync();
                    throw;
                }
            }
        }
        catch
        {
            root.Delete(recursive: true);
            throw;
        }
    }

    public NameServerResolver CreateResolver(TimeSpan? attemptTimeout = null) => new([EndPoint], attemptTimeout);

    /// <summary>
    /// Makes <paramref name="name"/> resolve to exactly <paramref name="addresses"/> (none: NXDOMAIN), returning once
    /// dnsmasq answers with that set.
    /// </summary>
    public async Task SetHostsAsync(string name, params IPAddress[] addresses)
    {
        var file = Path.Combine(hostsDirectory, name);
        if (addresses.Length == 0)
        {
            File.Delete(file);
        }
        else
        {
            // Written outside the watched directory and renamed in: one inotify event for a complete file, where
            // writing in place could have dnsmasq read it half-written.
            var staged = Path.Combine(stagingDirectory, name);
            await File.WriteAllLinesAsync(staged, addresses.Select(a => $"{a} {name}"));
            File.Move(staged, file, overwrite: true);
        }

        await WaitForAnswerAsync(name, addresses);
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        try
        {
            root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }

    private static string HostsDirectory(DirectoryInfo root) => Path.Combine(root.FullName, "hosts");

    private static string StagingDirectory(DirectoryInfo root) => Path.Combine(root.FullName, "staging");

    private static List<string> Arguments(int port, string hostsDirectory, string[] extraArguments)
    {
        List<string> arguments =
        [
            // Not --no-daemon: that is debug mode, in which dnsmasq serves a TCP connection in its one process until the
            // client closes it, and DnsClient keeps its TCP connections open for reuse, which would stall every other
            // query. In foreground mode each TCP connection gets a child process (disposal kills the whole tree).
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            $"--port={port}",
            $"--hostsdir={hostsDirectory}",

            // Without it a name dnsmasq does not know is forwarded, and with no upstream that is REFUSED, not NXDOMAIN.
            $"--local=/{Zone}/",

            // Hosts-file answers are never cached (a change is visible at once); TTL 0 keeps any client from caching them.
            "--local-ttl=0",

            // Far below the 4096 the resolver advertises, so a few dozen records truncate and the TCP fallback runs.
            "--edns-packet-max=512",
            "--pid-file=",
            "--log-facility=-",
        ];

        // As root dnsmasq drops to "nobody", which cannot read the 0700 temp directory.
        if (Environment.UserName == "root")
        {
            arguments.Add("--user=root");
        }

        arguments.AddRange(extraArguments);
        return arguments;
    }

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
                // Free for UDP but taken for TCP: dnsmasq needs both.
            }
        }
    }

    private async Task WaitForAnswerAsync(string name, IPAddress[] expected)
    {
        var wanted = expected.ToHashSet();
        var clock = Stopwatch.StartNew();
        var last = "nothing yet";
        while (clock.Elapsed < SettleTimeout)
        {
            try
            {
                var answer = await poller.ResolveAsync(name, CancellationToken.None);
                if (wanted.SetEquals(answer))
                {
                    return;
                }

                last = "[" + string.Join(", ", answer) + "]";
            }
            catch (DnsResolutionException e)
            {
                last = e.Message;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"dnsmasq did not answer {name} with [{string.Join(", ", expected)}] within {SettleTimeout}; last answer: {last}\n{Output}");
    }
}
