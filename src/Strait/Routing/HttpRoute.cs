using Google.Protobuf.Reflection;

namespace Strait.Routing;

/// <summary>One HTTP method and path template bound to a gRPC method, validated against its descriptors.</summary>
internal sealed class HttpRoute
{
    internal HttpRoute(
        string httpMethod,
        PathTemplate template,
        MethodDescriptor method,
        RouteBody? body,
        FieldDescriptor? responseBody,
        IReadOnlyList<IReadOnlyList<FieldDescriptor>> variableFieldPaths,
        RouteSource source)
    {
        HttpMethod = httpMethod;
        Template = template;
        Method = method;
        Body = body;
        ResponseBody = responseBody;
        VariableFieldPaths = variableFieldPaths;
        Source = source;
    }

    /// <summary>
    /// GET, PUT, POST, DELETE, PATCH, or a custom rule's kind upper-cased; <c>*</c> (a custom kind) matches any
    /// method that no other route on the same template claims.
    /// </summary>
    public string HttpMethod { get; }

    public PathTemplate Template { get; }

    public MethodDescriptor Method { get; }

    /// <summary>Null when the request has no body.</summary>
    public RouteBody? Body { get; }

    /// <summary>The top-level response field sent as the HTTP body, or null for the whole response.</summary>
    public FieldDescriptor? ResponseBody { get; }

    /// <summary>The resolved field path of each of <see cref="PathTemplate.Variables"/>, in the same order.</summary>
    public IReadOnlyList<IReadOnlyList<FieldDescriptor>> VariableFieldPaths { get; }

    public RouteSource Source { get; }

    internal static HttpRoute Generated(MethodDescriptor method)
    {
        var template = PathTemplate.Parse($"/{method.Service.FullName}/{method.Name}");
        return new HttpRoute("POST", template, method, RouteBody.WholeMessage, null, [], RouteSource.Generated);
    }

    public override string ToString() => $"{HttpMethod} {Template} ({Method.FullName})";
}
