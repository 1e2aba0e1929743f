namespace Strait.Samples.TaskService;

/// <summary>The client-writable fields of a task, as selected by an update mask.</summary>
[Flags]
internal enum TaskFields
{
    None = 0,
    Title = 1 << 0,
    Description = 1 << 1,
    Status = 1 << 2,
    Priority = 1 << 3,
    DueDate = 1 << 4,
    Tags = 1 << 5,
    AllWritable = Title | Description | Status | Priority | DueDate | Tags,
}
