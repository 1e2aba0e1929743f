namespace Strait.Routing;

/// <summary>Where an <see cref="HttpRoute"/> came from.</summary>
internal enum RouteSource
{
    /// <summary>The <c>google.api.http</c> option on the method.</summary>
    Annotation,

    /// <summary>An entry of a rule's <c>additional_bindings</c>.</summary>
    AdditionalBinding,

    /// <summary>A rule from the gateway configuration rather than the schema.</summary>
    Config,

    /// <summary>The <c>POST /{package.Service}/{Method}</c> route made for every method when enabled.</summary>
    Generated,
}
