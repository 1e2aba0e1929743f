namespace Strait.Schema;

/// <summary>
/// A schema could not be loaded or is inconsistent. The message names the file and element at fault and is
/// safe to show to the operator as is.
/// </summary>
internal sealed class SchemaException : Exception
{
    public SchemaException(string message)
        : base(message)
    {
    }

    public SchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
