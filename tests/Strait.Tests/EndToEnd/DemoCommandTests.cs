using System.Text.Json;

namespace Strait.Tests.EndToEnd;

/// <summary>
/// <c>strait demo</c>, the real command: the curl commands it prints are run as a user pastes them, in order, and
/// each answers as the demo says (a created task, the filtered list, the seeded task read, moved and deleted, a
/// batch, and the 400 with field violations it announces).
/// </summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task The_curl_commands_it_prints_work_as_pasted()
    {
        await using var demo = ChildProcess.Start("dotnet", [RepositoryPaths.StraitServerDll, "demo", "--listen", "http://127.0.0.1:0"]);
        await demo.WaitForLineAsync(l => l.Trim() == "Press Ctrl+C to stop.");
        var lines = demo.Output.Split('\n').Select(l => l.Trim()).ToList();
        var banner = lines.Single(l => l.StartsWith("strait demo: gateway on ", StringComparison.Ordinal));
        var gateway = banner["strait demo: gateway on ".Length..banner.IndexOf(',', StringComparison.Ordinal)];
        Assert.Equal(3, banner[(banner.IndexOf(" replicas on ", StringComparison.Ordinal) + 13)..].Split(", ").Length);
        var commands = lines.Where(l => l.StartsWith("curl ", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, commands.Count);
        Assert.All(commands, c => Assert.Contains(gateway + "/v1/", c, StringComparison.Ordinal));

        var created = await CurlAsync(commands[0]);
        Assert.Equal(200, created.Status);
        Assert.Equal(("Write the design doc", "PRIORITY_HIGH", "STATUS_PENDING"), (Text(created.Body, "title"), Text(created.Body, "priority"), Text(created.Body, "status")));
        Assert.Equal(["docs"], created.Body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var listed = await CurlAsync(commands[1]);
        Assert.Equal(200, listed.Status);
        var tasks = listed.Body.GetProperty("tasks").EnumerateArray().ToList();
        Assert.All(tasks, t => Assert.Equal("PRIORITY_HIGH", Text(t, "priority")));
        Assert.Equal(["Try Strait", "Write the design doc"], tasks.Select(t => Text(t, "title")).Order(StringComparer.Ordinal));
        var seeded = tasks.Single(t => Text(t, "title") == "Try Strait");
        Assert.Contains("/v1/" + Text(seeded, "name"), commands[2], StringComparison.Ordinal);

        var fetched = await CurlAsync(commands[2]);
        Assert.Equal((200, "Try Strait", "STATUS_PENDING"), (fetched.Status, Text(fetched.Body, "title"), Text(fetched.Body, "status")));

        var moved = await CurlAsync(commands[3]);
        Assert.Equal((200, "Try Strait", "STATUS_IN_PROGRESS"), (moved.Status, Text(moved.Body, "title"), Text(moved.Body, "status")));

        var batch = await CurlAsync(commands[4]);
        Assert.Equal(200, batch.Status);
        Assert.Equal(["one", "two"], batch.Body.GetProperty("tasks").EnumerateArray().Select(t => Text(t, "title")));

        var deleted = await CurlAsync(commands[5]);
        Assert.Equal(200, deleted.Status);
        var gone = await CurlAsync(commands[2]);
        Assert.Equal((404, "NOT_FOUND"), (gone.Status, Text(gone.Body, "grpcStatus")));

        Assert.EndsWith("# 400 with field violations", commands[6], StringComparison.Ordinal);
        var invalid = await CurlAsync(commands[6]);
        Assert.Equal((400, "INVALID_ARGUMENT"), (invalid.Status, Text(invalid.Body, "grpcStatus")));
        Assert.Contains(invalid.Body.GetProperty("errors").EnumerateArray(), e => Text(e, "field") == "task.title");
    }

    /// <summary>Runs <paramref name="command"/> in a shell, as pasted, with curl told to write the status code after the body.</summary>
    private static async Task<(int Status, JsonElement Body)> CurlAsync(string command)
    {
        await using var curl = ChildProcess.Start("bash", ["-c", "curl --max-time 30 -w '\\n%{http_code}' " + command["curl ".Length..]]);
        Assert.True(await curl.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, $"{command}\n{curl.Output}");
        var output = curl.Output.TrimEnd('\n');
        var lastLine = output.LastIndexOf('\n');
        var body = output[..lastLine];
        return (int.Parse(output[(lastLine + 1)..], System.Globalization.CultureInfo.InvariantCulture), JsonDocument.Parse(body).RootElement.Clone());
    }

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
