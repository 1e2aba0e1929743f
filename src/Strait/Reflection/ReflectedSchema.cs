using Google.Protobuf.Reflection;

namespace Strait.Reflection;

/// <summary>What one server's reflection gave: the files of its services with their imports, and the services.</summary>
/// <param name="Files">Every file fetched, in no particular order; bundled imports the server did not send are not here.</param>
/// <param name="Services">The services taken, in the server's order (infrastructure and skipped ones left out).</param>
/// <param name="Protocol">Which edition answered: <c>v1</c> or <c>v1alpha</c>.</param>
/// <param name="Fingerprint">A digest of the files' contents: equal fingerprints mean the same schema.</param>
internal sealed record ReflectedSchema(FileDescriptorSet Files, IReadOnlyList<string> Services, string Protocol, string Fingerprint);
