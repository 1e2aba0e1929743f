namespace Strait.Configuration;

/// <summary>
/// The configuration, or the schema it names, is unusable. <see cref="Exception.Message"/> holds every problem found,
/// one a line, each naming the key or file at fault; <see cref="Errors"/> holds the same lines one by one. Strait
/// throws it; its constructors are not part of the public surface.
/// </summary>
public sealed class StraitConfigurationException : Exception
{
    /// <summary>One problem.</summary>
    /// <param name="message">The problem, naming the key or file at fault.</param>
    internal StraitConfigurationException(string message)
        : base(message) => Errors = [message];

    /// <summary>One problem, caused by <paramref name="innerException"/>.</summary>
    /// <param name="message">The problem, naming the key or file at fault.</param>
    /// <param name="innerException">What failed: reading a file, binding a value, listening.</param>
    internal StraitConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [message];

    /// <summary>Every error at once, one a line, each prefixed with where its key is set (<see cref="ErrorLocations"/>).</summary>
    /// <param name="errors">Each starting with the key it is about: <c>clusters.users.lbPolicy: …</c>.</param>
    /// <param name="configFile">The file the configuration was read from; null when none was.</param>
    internal StraitConfigurationException(IReadOnlyList<string> errors, string? configFile)
        : this([.. errors.Select(error => ErrorLocations.Of(error, configFile) + error)])
    {
    }

    private StraitConfigurationException(string[] located)
        : base(string.Join(Environment.NewLine, located)) => Errors = located;

    /// <summary>
    /// Every problem found, each as <c>FILE:LINE:COLUMN: key: problem</c> when a YAML file sets the key (the file
    /// alone when something else set it, nothing for a problem that names no key). One entry when the first problem
    /// stopped the load (a file that cannot be read, an unknown key).
    /// </summary>
    public IReadOnlyList<string> Errors { get; }
}
