using Todo.V1;

namespace Strait.Samples.TaskService;

/// <summary>
/// Names of the <c>Status</c> and <c>Priority</c> values as clients write them: the proto name
/// (<c>STATUS_COMPLETED</c>) or the short form without the enum prefix (<c>COMPLETED</c>), case-insensitively.
/// </summary>
internal static class TaskEnumNames
{
    private static readonly EnumNames<Status> StatusNames = new("STATUS_");
    private static readonly EnumNames<Priority> PriorityNames = new("PRIORITY_");

    public static string ShortName(Status status) => StatusNames.ShortName(status);

    public static string ShortName(Priority priority) => PriorityNames.ShortName(priority);

    /// <summary>The specified (non-zero) values, e.g. for "must be one of" messages.</summary>
    public static string ListStatuses() => StatusNames.ListSpecified();

    public static string ListPriorities() => PriorityNames.ListSpecified();

    public static bool IsSpecified(Status status) => StatusNames.IsSpecified(status);

    public static bool IsSpecified(Priority priority) => PriorityNames.IsSpecified(priority);

    public static bool TryParseSpecified(string text, out Status status) => StatusNames.TryParseSpecified(text, out status);

    public static bool TryParseSpecified(string text, out Priority priority) => PriorityNames.TryParseSpecified(text, out priority);

    private sealed class EnumNames<TEnum>
        where TEnum : struct, Enum
    {
        private readonly Dictionary<TEnum, string> shortNames = [];
        private readonly Dictionary<string, TEnum> valuesByName = new(StringComparer.OrdinalIgnoreCase);

        public EnumNames(string prefix)
        {
            var descriptor = TodoReflection.Descriptor.EnumTypes.Single(type => type.ClrType == typeof(TEnum));
            foreach (var value in descriptor.Values.Where(value => value.Number != 0))
            {
                var typed = (TEnum)Enum.ToObject(typeof(TEnum), value.Number);
                var shortName = value.Name[prefix.Length..];
                shortNames.Add(typed, shortName);
                valuesByName.Add(value.Name, typed);
                valuesByName.Add(shortName, typed);
            }
        }

        public bool IsSpecified(TEnum value) => shortNames.ContainsKey(value);

        /// <summary>Only called for values that passed validation, so the value is always a specified one.</summary>
        public string ShortName(TEnum value) => shortNames[value];

        public string ListSpecified() => string.Join(", ", shortNames.Values);

        public bool TryParseSpecified(string text, out TEnum value) => valuesByName.TryGetValue(text, out value);
    }
}
