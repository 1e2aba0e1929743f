namespace Strait.Configuration;

/// <summary>The configuration is unusable; the message names the key or file at fault.</summary>
internal sealed class StraitConfigurationException : Exception
{
    public StraitConfigurationException(string message)
        : base(message)
    {
    }

    public StraitConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
