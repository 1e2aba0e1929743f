using System.Security.Cryptography;
using System.Text;
using Strait.Configuration;
using Strait.Hosting;
using Strait.Samples.EmbeddedGateway;

// Strait embedded in a program of its own, through the engine's public surface alone:
//   EmbeddedGateway CONFIG ANSWERS_DIR [KEY=VALUE ...]
// Serves the gateway the configuration file CONFIG describes (strait.yaml here is one), as `strait serve --config`
// would, plus two things only code can give: a header transform `sha256` that header rules can name, and an
// idempotency store that keeps answers in the directory ANSWERS_DIR, so that an Idempotency-Key is still answered
// after a restart. KEY=VALUE pairs set configuration keys over the file, as `strait serve`'s flags do
// (Listen=http://127.0.0.1:0, Backend:Addresses:0=127.0.0.1:50051). Prints the URLs it serves on, as `strait serve`
// does; stops on SIGTERM or Ctrl+C. Exit codes: 0 stopped, 2 usage or configuration error.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EmbeddedGateway CONFIG ANSWERS_DIR [KEY=VALUE ...]");
    return 2;
}

var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
foreach (var pair in args[2..])
{
    var equals = pair.IndexOf('=', StringComparison.Ordinal);
    if (equals <= 0)
    {
        Console.Error.WriteLine($"embedded-gateway: '{pair}' is not KEY=VALUE");
        return 2;
    }

    overrides[pair[..equals]] = pair[(equals + 1)..];
}

// Declared before the gateway, so disposed after it: the gateway does not dispose a store it was given.
await using var answers = new DirectoryIdempotencyStore(args[1]);
StraitGateway gateway;
try
{
    gateway = await StraitGateway.StartAsync(
        new StraitGatewayOptions
        {
            ConfigFile = args[0],
            Overrides = overrides,
            IdempotencyStore = answers,
            // A pseudonym for a user id: the backend can tell users apart without learning who they are. Unkeyed, a
            // guessable id is found by hashing guesses; where that matters, key it (HMAC) with a secret.
            ConfigureTransforms = transforms => transforms.RegisterSimple(
                "sha256", value => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))),
        },
        CancellationToken.None);
}
catch (StraitConfigurationException e)
{
    foreach (var error in e.Errors)
    {
        Console.Error.WriteLine("embedded-gateway: " + error);
    }

    return 2;
}

await using (gateway)
{
    if (gateway.AdminUrls.Count > 0)
    {
        Console.WriteLine($"embedded-gateway: admin on {string.Join(", ", gateway.AdminUrls)}");
    }

    if (gateway.Http2Urls.Count > 0)
    {
        Console.WriteLine($"embedded-gateway: HTTP/2 (gRPC) on {string.Join(", ", gateway.Http2Urls)}");
    }

    Console.WriteLine($"embedded-gateway: serving on {string.Join(", ", gateway.Urls)}");
    await gateway.WaitForShutdownAsync(CancellationToken.None);
}

return 0;
