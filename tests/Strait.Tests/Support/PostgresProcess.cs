using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Strait.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server from Debian's package on 127.0.0.1 and a free port, with trust authentication and
/// no fsync; its data directory is deleted on dispose. Run as root, it runs the server as the postgres user (the
/// server refuses root).
/// </summary>
internal sealed class PostgresProcess : IAsyncDisposable
{
    private readonly ChildProcess process;
    private readonly DirectoryInfo root;

    private PostgresProcess(ChildProcess process, DirectoryInfo root, int port)
    {
        this.process = process;
        this.root = root;
        ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={port};Username=strait;Database=postgres;Pooling=true");
    }

    public string ConnectionString { get; }

    public static async Task<PostgresProcess> StartAsync()
    {
        var bin = FindBinaries();
        var root = Directory.CreateTempSubdirectory("strait-pg-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // The server runs as postgres and creates its data directory in here.
                File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_111_111);
            }
            var data = Path.Combine(root.FullName, "data");
            await using (var init = Start(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "strait", "-E", "UTF8", "--no-sync"]))
            {
                var exit = await init.WaitForExitAsync(TimeSpan.FromSeconds(60));
                if (exit != 0)
                {
                    throw new InvalidOperationException($"initdb failed with {exit}:\n{init.Output}");
                }
            }

            var port = FreePort();
            var server = Start(Path.Combine(bin, "postgres"), ["-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-h", "127.0.0.1", "-k", root.FullName, "-c", "fsync=off", "-c", "synchronous_commit=off"]);
            try
            {
                await server.WaitForLineAsync(l => l.Contains("database system is ready to accept connections", StringComparison.Ordinal));
                return new PostgresProcess(server, root, port);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
        catch
        {
            root.Delete(recursive: true);
            throw;
        }
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
            // A backend still closing its files; the directory is under /tmp and holds nothing of value.
        }
    }

    private static ChildProcess Start(string binary, string[] arguments) =>
        Environment.UserName == "root"
            ? ChildProcess.Start("/usr/sbin/runuser", ["-u", "postgres", "--", binary, .. arguments])
            : ChildProcess.Start(binary, arguments);

    private static string FindBinaries()
    {
        const string Installed = "/usr/lib/postgresql";
        var versions = Directory.Exists(Installed) ? Directory.GetDirectories(Installed) : [];
        var bin = versions.Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "postgres"))).OrderDescending().FirstOrDefault();
        return bin ?? throw new InvalidOperationException("PostgreSQL not found under /usr/lib/postgresql: apt-get install postgresql (./test.sh installs it when run as root)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
