using Strait.Configuration;
using Strait.Hosting;

namespace Strait.Tests.Hosting;

public sealed class StraitConfigurationTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("strait-configuration-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public void Errors_in_different_sections_are_all_in_one_exception()
    {
        var error = Assert.Throws<StraitConfigurationException>(() => StraitConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["backend:addresses:0"] = "127.0.0.1:1",
            ["backend:reflection"] = "true",
            ["backend:lbPolicy"] = "fastest",
            ["errors:format"] = "xml",
            ["cors:maxAge"] = "-00:00:01",
        }));

        string[] expected =
        [
            "backend.lbPolicy: 'fastest' is not a policy; use least_request, round_robin, random, weighted, ring_hash or pick_first",
            "cors.maxAge: must be between 00:00:00 and 1.00:00:00 (it is -00:00:01)",
            "errors.format: is 'xml'; use 'problem' or 'google-rpc-status'",
        ];
        Assert.Equal(expected, error.Message.Split(Environment.NewLine).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_error_names_the_file_and_where_in_it_the_key_is()
    {
        var config = Path.Combine(directory.FullName, "strait.yaml");
        File.WriteAllText(config, "backend:\n  addresses: [\"127.0.0.1:1\"]\n  reflection: true\nstreaming:\n  maxStreams: 0\nlimits:\n  maxRequestBodySize: 0\n");

        var error = Assert.Throws<StraitConfigurationException>(() => StraitConfiguration.Load(config, new Dictionary<string, string?> { ["json:maxDepth"] = "0" }));

        var lines = error.Message.Split(Environment.NewLine);
        Assert.Contains($"{config}:5:15: streaming.maxStreams: must be at least 1", lines);
        Assert.Contains($"{config}:7:23: limits.maxRequestBodySize: must be positive", lines);
        // Set by an override, not in the file: the file is named, no line is.
        Assert.Contains($"{config}: json.maxDepth: must be between 1 and 1000", lines);
    }
}
