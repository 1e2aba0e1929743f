using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Strait.Json;

/// <summary>Precomputed name ⇄ number tables for one enum type.</summary>
internal sealed class EnumPlan
{
    private readonly Dictionary<int, JsonEncodedText> namesByNumber = [];
    private readonly Utf8NameTable<int> numbersByName;

    public EnumPlan(EnumDescriptor descriptor)
    {
        FullName = descriptor.FullName;
        IsNullValue = FullName == WellKnownTypes.NullValueFullName;
        var entries = new List<KeyValuePair<string, int>>(descriptor.Values.Count);
        foreach (var value in descriptor.Values)
        {
            // With allow_alias the first declared name is the canonical one for output.
            namesByNumber.TryAdd(value.Number, JsonEncodedText.Encode(value.Name));
            entries.Add(new(value.Name, value.Number));
        }

        numbersByName = new Utf8NameTable<int>(entries);
    }

    public string FullName { get; }

    /// <summary><c>google.protobuf.NullValue</c>, whose JSON form is <c>null</c>.</summary>
    public bool IsNullValue { get; }

    public bool TryGetName(int number, out JsonEncodedText name) => namesByNumber.TryGetValue(number, out name);

    public bool TryGetNumber(ReadOnlySpan<byte> utf8Name, out int number) => numbersByName.TryGetValue(utf8Name, out number);
}
