using Microsoft.AspNetCore.Builder;

namespace Strait.Hosting;

/// <summary>
/// The options every Kestrel host of Strait's is built with. Strait reads its own configuration (YAML, STRAIT_
/// variables), so the host's appsettings.json is not used; without these options the host would still watch the working
/// directory for it, with a file watcher per listener, whatever that directory holds.
/// </summary>
internal static class QuietHost
{
    public static WebApplicationOptions Options() => new()
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = AppContext.BaseDirectory,
    };
}
