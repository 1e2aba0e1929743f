using Strait.Errors;

namespace Strait.Configuration.Validators;

/// <summary>The <c>errors</c> section: the body of error answers.</summary>
internal static class ErrorsValidator
{
    public static ErrorBodyFormat? Validate(ErrorOptions options, List<string> errors)
    {
        switch (options.Format)
        {
            case "problem":
                return ErrorBodyFormat.ProblemJson;
            case "google-rpc-status":
                return ErrorBodyFormat.GoogleRpcStatus;
            default:
                errors.Add($"errors.format: is '{options.Format}'; use 'problem' or 'google-rpc-status'");
                return null;
        }
    }
}
