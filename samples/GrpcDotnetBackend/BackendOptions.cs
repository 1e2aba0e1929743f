using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Strait.Samples.GrpcDotnetBackend;

/// <summary>The command line: <c>--host ADDR</c>, <c>--port N</c>, <c>--replica-id ID</c>.</summary>
internal sealed record BackendOptions(IPAddress Host, int Port, string? ReplicaId)
{
    public static bool TryParse(string[] args, [NotNullWhen(true)] out BackendOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        var host = IPAddress.Loopback;
        var port = 0;
        string? replicaId = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                error = $"'{args[i]}' needs a value";
                return false;
            }

            var value = args[i + 1];
            switch (args[i])
            {
                case "--host" when IPAddress.TryParse(value, out var parsed):
                    host = parsed;
                    break;
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort:
                    break;
                case "--replica-id" when value.Length > 0 && value.All(c => c is >= ' ' and <= '~'):
                    replicaId = value;
                    break;
                default:
                    error = $"unexpected argument '{args[i]} {value}'; expected --host IP, --port 0-65535 or --replica-id PRINTABLE-ASCII";
                    return false;
            }
        }

        options = new BackendOptions(host, port, replicaId);
        error = null;
        return true;
    }
}
