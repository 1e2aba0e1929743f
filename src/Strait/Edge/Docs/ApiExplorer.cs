using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strait.Gateway;
using Strait.OpenApi;
using Strait.Routing;
using Strait.Security;

namespace Strait.Edge.Docs;

/// <summary>
/// Serves the OpenAPI document of the snapshot in use (<c>openApi.documentPath</c>, with the schema's fingerprint as
/// its ETag) and the API explorer: Swagger UI (swagger-ui-dist, embedded) at <c>openApi.docsPath</c>, to the allowed
/// client networks (others get 403). These paths are answered before routing, so a route cannot hide them; GET and
/// HEAD only.
/// </summary>
internal sealed class ApiExplorer
{
    private static readonly Assembly Assembly = typeof(ApiExplorer).Assembly;

    private readonly ClientNetworks networks;
    private readonly string documentPath;
    private readonly string docsPath;
    private readonly byte[] page;
    private readonly byte[] initializer;
    private readonly Lazy<byte[]> bundle = new(() => Resource("swagger-ui-bundle.js"));
    private readonly Lazy<byte[]> styles = new(() => Resource("swagger-ui.css"));

    /// <param name="networks">The clients the document and the page are served to (<c>openApi.allowedNetworks</c>).</param>
    public ApiExplorer(OpenApiOptions options, ClientNetworks networks)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.Enabled;
        this.networks = networks;
        documentPath = options.DocumentPath;
        docsPath = options.DocsPath.TrimEnd('/');
        var title = System.Net.WebUtility.HtmlEncode(options.Title);
        // No inline script: a page that works under a strict Content-Security-Policy.
        page = Encoding.UTF8.GetBytes($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>{title}</title>
              <link rel="stylesheet" href="{docsPath}/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="{docsPath}/swagger-ui-bundle.js"></script>
              <script src="{docsPath}/swagger-initializer.js"></script>
            </body>
            </html>

            """);
        initializer = Encoding.UTF8.GetBytes($"window.ui = SwaggerUIBundle({{ url: {JsonSerializer.Serialize(documentPath)}, dom_id: '#swagger-ui', deepLinking: true }});\n");
    }

    public bool Enabled { get; }

    /// <summary>Answers the request when it asks for the document or the explorer; false otherwise.</summary>
    public bool TryHandle(HttpContext context, GatewaySnapshot snapshot, RequestTarget target, out Task handled)
    {
        handled = Task.CompletedTask;
        var request = context.Request;
        if (!Enabled || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            return false;
        }

        var path = target.Path;
        var isDocs = docsPath.Length > 0 && path.StartsWith(docsPath, StringComparison.Ordinal) && (path.Length == docsPath.Length || path[docsPath.Length] == '/');
        if ((path == documentPath || isDocs) && !networks.Contains(context.Connection.RemoteIpAddress))
        {
            handled = Refuse(context, snapshot);
            return true;
        }

        if (path == documentPath)
        {
            var etag = snapshot.OpenApiETag;
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = "no-cache";
            if (request.Headers.IfNoneMatch.ToString() == etag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return true;
            }

            handled = WriteAsync(context, "application/json", snapshot.OpenApiDocument);
            return true;
        }

        if (!isDocs)
        {
            return false;
        }

        var rest = path[docsPath.Length..];
        (string Type, byte[] Body)? asset = rest switch
        {
            "" or "/" => ("text/html; charset=utf-8", page),
            "/swagger-initializer.js" => ("text/javascript; charset=utf-8", initializer),
            "/swagger-ui-bundle.js" => ("text/javascript; charset=utf-8", bundle.Value),
            "/swagger-ui.css" => ("text/css; charset=utf-8", styles.Value),
            _ => null,
        };
        if (asset is not { } found)
        {
            return false;
        }

        context.Response.Headers.CacheControl = rest.EndsWith(".js", StringComparison.Ordinal) || rest.EndsWith(".css", StringComparison.Ordinal) ? "public, max-age=3600" : "no-cache";
        handled = WriteAsync(context, found.Type, found.Body);
        return true;
    }

    private static Task Refuse(HttpContext context, GatewaySnapshot snapshot) =>
        snapshot.ProblemWriter.WriteAsync(
            context,
            Errors.Problems.ApiDocumentForbidden(),
            Observability.RequestIdentity.From(context.Request),
            detailRenderer: null);

    private static Task WriteAsync(HttpContext context, string contentType, ReadOnlyMemory<byte> body)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static byte[] Resource(string name)
    {
        using var stream = Assembly.GetManifestResourceStream("Strait.SwaggerUi." + name)
            ?? throw new InvalidOperationException($"the embedded Swagger UI file '{name}' is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
