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

    /// <summary>Every error at once, one a line, each prefixed with where its key is set (<see cref="ErrorLocations"/>).</summary>
    /// <param name="errors">Each starting with the key it is about: <c>clusters.users.lbPolicy: …</c>.</param>
    /// <param name="configFile">The file the configuration was read from; null when none was.</param>
    public StraitConfigurationException(IReadOnlyList<string> errors, string? configFile)
        : base(string.Join(Environment.NewLine, errors.Select(error => ErrorLocations.Of(error, configFile) + error)))
    {
    }
}
