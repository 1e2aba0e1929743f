using Strait.Wire;

namespace Strait.Reflection;

/// <summary>A backend's reflection could not give its schema: the call failed, or its answers were unusable.</summary>
internal sealed class ReflectionException : Exception
{
    public ReflectionException()
    {
    }

    public ReflectionException(string message)
        : base(message)
    {
    }

    public ReflectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ReflectionException(string message, GrpcStatusCode code)
        : base(message)
    {
        Code = code;
    }

    /// <summary>The status the reflection call itself ended with, when it failed (not an error answer within the stream).</summary>
    public GrpcStatusCode? Code { get; }
}
