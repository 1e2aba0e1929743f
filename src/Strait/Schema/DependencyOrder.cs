namespace Strait.Schema;

/// <summary>Orders proto files so that every file comes after the files it imports.</summary>
internal static class DependencyOrder
{
    public static List<T> Sort<T>(IEnumerable<T> items, Func<T, string> nameOf, Func<T, IEnumerable<string>> dependenciesOf)
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            byName.TryAdd(nameOf(item), item);
        }

        var ordered = new List<T>(byName.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false = visiting, true = done
        foreach (var name in byName.Keys.Order(StringComparer.Ordinal))
        {
            Visit(name, null);
        }

        return ordered;

        void Visit(string name, string? importedBy)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done)
                {
                    throw new SchemaException($"import cycle: '{importedBy}' and '{name}' import each other (directly or through other files)");
                }

                return;
            }

            if (!byName.TryGetValue(name, out var item))
            {
                throw new SchemaException($"'{importedBy}' imports '{name}', which is not in the descriptor set (build it with protoc --include_imports)");
            }

            state[name] = false;
            foreach (var dependency in dependenciesOf(item))
            {
                Visit(dependency, name);
            }

            state[name] = true;
            ordered.Add(item);
        }
    }
}
