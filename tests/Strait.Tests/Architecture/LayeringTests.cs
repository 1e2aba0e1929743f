using Mono.Cecil;
using Strait.Gateway;

namespace Strait.Tests.Architecture;

/// <summary>
/// The engine's folders form layers and every dependency points down (docs/design.md, "Architecture"). Read from the
/// compiled assembly, so a reference written any way (a using, a qualified name, a generic argument) counts.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Each folder of src/Strait and its layer; a folder may use folders of its own layer or below, never above.</summary>
    private static readonly Dictionary<string, int> Layers = new()
    {
        // Base: the gRPC protocol, buffers, logging.
        ["Buffers"] = 0,
        ["Wire"] = 0,
        ["Observability"] = 0,
        // Core: what a call is made of.
        ["Routing"] = 1,
        ["Schema"] = 1,
        ["Json"] = 1,
        ["Errors"] = 1,
        ["Reflection"] = 1,
        ["Upstream"] = 1,
        // Policies applied to a call.
        ["Headers"] = 2,
        ["Resilience"] = 2,
        ["Cors"] = 2,
        ["OpenApi"] = 2,
        ["Security"] = 2,
        ["Configuration"] = 3,
        ["Gateway"] = 4,
        ["Edge"] = 5,
        ["Hosting"] = 6,
    };

    private static readonly Lazy<Dictionary<string, Dictionary<string, SortedSet<string>>>> Graph = new(ReadGraph);

    [Fact]
    public void Every_folder_has_a_layer()
    {
        var unplaced = Graph.Value.Keys.Concat(Graph.Value.Values.SelectMany(targets => targets.Keys))
            .Distinct().Where(folder => !Layers.ContainsKey(folder)).Order().ToList();

        Assert.True(unplaced.Count == 0, "folders without a layer in LayeringTests.Layers: " + string.Join(", ", unplaced));
    }

    [Fact]
    public void Every_dependency_points_down_or_across()
    {
        var upward = new List<string>();
        foreach (var (from, targets) in Graph.Value)
        {
            foreach (var (to, types) in targets)
            {
                if (Layers.TryGetValue(from, out var low) && Layers.TryGetValue(to, out var high) && high > low)
                {
                    upward.Add($"{from} -> {to} ({string.Join(", ", types)})");
                }
            }
        }

        Assert.True(upward.Count == 0, "dependencies pointing up:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void The_folders_have_no_cycle()
    {
        var cycle = FindCycle(Graph.Value);

        Assert.True(cycle is null, "folder cycle: " + (cycle is null ? "" : string.Join(" -> ", cycle)));
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle_of_three()
    {
        var graph = new Dictionary<string, Dictionary<string, SortedSet<string>>>
        {
            ["A"] = new() { ["B"] = [] },
            ["B"] = new() { ["C"] = [] },
            ["C"] = new() { ["A"] = [] },
        };

        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    [Fact]
    public void Namespaces_match_folders()
    {
        var root = Path.Combine(RepositoryPaths.Root, "src", "Strait");
        var mismatched = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(relative)!;
            var expected = folder.Length == 0 ? "Strait" : "Strait." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = File.ReadLines(file).FirstOrDefault(line => line.StartsWith("namespace ", StringComparison.Ordinal));
            if (declared != $"namespace {expected};")
            {
                mismatched.Add($"{relative}: {declared ?? "no namespace"} (expected {expected})");
            }
        }

        Assert.True(mismatched.Count == 0, string.Join("\n", mismatched));
    }

    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, SortedSet<string>>> graph)
    {
        var state = new Dictionary<string, bool>(); // false: on the current path; true: done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            if (state.TryGetValue(node, out var done))
            {
                return done ? null : [.. path.Skip(path.IndexOf(node)), node];
            }

            state[node] = false;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var targets) ? targets.Keys.Order() : Enumerable.Empty<string>())
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }

        return graph.Keys.Order().Select(Visit).FirstOrDefault(cycle => cycle is not null);
    }

    /// <summary>Folder → folder → the types that make the dependency, from every signature and instruction.</summary>
    private static Dictionary<string, Dictionary<string, SortedSet<string>>> ReadGraph()
    {
        using var module = ModuleDefinition.ReadModule(typeof(GatewayRuntime).Assembly.Location);
        var graph = new Dictionary<string, Dictionary<string, SortedSet<string>>>();
        foreach (var type in module.GetTypes())
        {
            if (FolderOf(type, module) is not { } from)
            {
                continue;
            }

            void Use(TypeReference? reference)
            {
                foreach (var used in Flatten(reference))
                {
                    if (FolderOf(used, module) is { } to && to != from)
                    {
                        var targets = graph.TryGetValue(from, out var existing) ? existing : graph[from] = [];
                        (targets.TryGetValue(to, out var types) ? types : targets[to] = []).Add(Outermost(used).Name);
                    }
                }
            }

            Use(type.BaseType);
            type.Interfaces.ToList().ForEach(i => Use(i.InterfaceType));
            type.CustomAttributes.ToList().ForEach(a => Use(a.AttributeType));
            type.Fields.ToList().ForEach(f => Use(f.FieldType));
            type.Properties.ToList().ForEach(p => Use(p.PropertyType));
            type.Events.ToList().ForEach(e => Use(e.EventType));
            foreach (var method in type.Methods)
            {
                Use(method.ReturnType);
                method.Parameters.ToList().ForEach(p => Use(p.ParameterType));
                method.CustomAttributes.ToList().ForEach(a => Use(a.AttributeType));
                if (!method.HasBody)
                {
                    continue;
                }

                method.Body.Variables.ToList().ForEach(v => Use(v.VariableType));
                foreach (var instruction in method.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case TypeReference operand:
                            Use(operand);
                            break;
                        case MethodReference operand:
                            Use(operand.DeclaringType);
                            Use(operand.ReturnType);
                            operand.Parameters.ToList().ForEach(p => Use(p.ParameterType));
                            if (operand is GenericInstanceMethod generic)
                            {
                                generic.GenericArguments.ToList().ForEach(Use);
                            }

                            break;
                        case FieldReference operand:
                            Use(operand.DeclaringType);
                            Use(operand.FieldType);
                            break;
                    }
                }
            }
        }

        return graph;
    }

    private static IEnumerable<TypeReference> Flatten(TypeReference? reference)
    {
        switch (reference)
        {
            case null or GenericParameter:
                yield break;
            case GenericInstanceType generic:
                foreach (var inner in Flatten(generic.ElementType).Concat(generic.GenericArguments.SelectMany(Flatten)))
                {
                    yield return inner;
                }

                break;
            case TypeSpecification specification:
                foreach (var inner in Flatten(specification.ElementType))
                {
                    yield return inner;
                }

                break;
            default:
                yield return reference;
                break;
        }
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>The engine folder a type of the engine's own module lives in (Strait.Edge.Rest → Edge); null for others.</summary>
    private static string? FolderOf(TypeReference type, ModuleDefinition module)
    {
        if (Outermost(type).Scope != module)
        {
            return null;
        }

        var name = Outermost(type).Namespace;
        if (!name.StartsWith("Strait.", StringComparison.Ordinal))
        {
            return null;
        }

        var dot = name.IndexOf('.', "Strait.".Length);
        return dot < 0 ? name["Strait.".Length..] : name["Strait.".Length..dot];
    }
}
