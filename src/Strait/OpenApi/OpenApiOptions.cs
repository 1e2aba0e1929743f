namespace Strait.OpenApi;

/// <summary>The generated OpenAPI document and the API explorer page (docs/reflection.md).</summary>
internal sealed class OpenApiOptions
{
    /// <summary>Serve <see cref="DocumentPath"/> and <see cref="DocsPath"/> on the gateway's listeners.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the OpenAPI 3.1 document is served.</summary>
    public string DocumentPath { get; set; } = "/openapi.json";

    /// <summary>Where the API explorer (Swagger UI) is served; empty turns it off while keeping the document.</summary>
    public string DocsPath { get; set; } = "/docs";

    /// <summary>
    /// The client networks (CIDR) the document and the explorer are served to; others get 403. Loopback and private
    /// networks when empty, like reflection's; <c>0.0.0.0/0</c> and <c>::/0</c> publish them to everyone.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary><c>info.title</c> of the document.</summary>
    public string Title { get; set; } = "Strait gateway";

    /// <summary><c>info.version</c>; the schema's fingerprint when unset, so that every schema change shows.</summary>
    public string? Version { get; set; }

    /// <summary>Every error in the paths, each naming its key.</summary>
    public IEnumerable<string> Validate()
    {
        if (!DocumentPath.StartsWith('/') || DocumentPath.Length < 2)
        {
            yield return $"openApi.documentPath: must be an absolute path such as /openapi.json (it is '{DocumentPath}')";
        }

        if (DocsPath.Length > 0 && (!DocsPath.StartsWith('/') || DocsPath.TrimEnd('/').Length == 0))
        {
            yield return $"openApi.docsPath: must be an absolute path such as /docs, or empty for none (it is '{DocsPath}')";
        }
    }
}
