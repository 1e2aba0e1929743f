using Todo.V1;

namespace Strait.Samples.TaskService;

/// <summary>
/// The task lifecycle. COMPLETED and CANCELLED are final; staying in the same status is always allowed so that
/// a client can resend a whole task unchanged.
/// </summary>
internal static class StatusTransitions
{
    private static readonly Dictionary<Status, Status[]> Allowed = new()
    {
        [Status.Pending] = [Status.InProgress, Status.Cancelled, Status.Blocked],
        [Status.InProgress] = [Status.Completed, Status.Cancelled, Status.Blocked, Status.Pending],
        [Status.Blocked] = [Status.Pending, Status.InProgress, Status.Cancelled],
    };

    public static bool IsAllowed(Status from, Status to) =>
        from == to || (Allowed.TryGetValue(from, out var targets) && targets.Contains(to));
}
