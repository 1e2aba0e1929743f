namespace Strait.Routing;

/// <summary>A rule that cannot become a route.</summary>
/// <param name="MethodFullName">The gRPC method the rule belongs to, e.g. <c>todo.v1.TaskService.GetTask</c>.</param>
/// <param name="Rule">The rule in short form, e.g. <c>get "/v1/{name=tasks/*}"</c>.</param>
/// <param name="Message">What is wrong.</param>
internal sealed record HttpRuleError(string MethodFullName, string Rule, string Message)
{
    public override string ToString() => $"{MethodFullName} [{Rule}]: {Message}";
}
