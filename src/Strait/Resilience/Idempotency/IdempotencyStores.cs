using System.Text.RegularExpressions;
using Npgsql;

namespace Strait.Resilience.Idempotency;

/// <summary>Where replayable answers are kept (<c>resilience.idempotencyStore.kind</c>).</summary>
internal enum IdempotencyStoreKind
{
    Memory,
    Postgres,
}

/// <summary><c>resilience.idempotencyStore</c>, checked: what the store is created from.</summary>
internal sealed record IdempotencyStoreSettings(IdempotencyStoreKind Kind, int MaxEntries, int MaxResponseSize, string? ConnectionString, string Table);

/// <summary>Checks <c>resilience.idempotencyStore</c> and creates the configured <see cref="IIdempotencyStore"/>.</summary>
internal static partial class IdempotencyStores
{
    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static IdempotencyStoreSettings? Validate(IdempotencyStoreOptions options, List<string> errors)
    {
        var before = errors.Count;
        void Error(string path, string text) => errors.Add($"resilience.idempotencyStore.{path}: {text}");
        if (options.MaxResponseSize is < 1 or > 64 * 1024 * 1024)
        {
            Error("maxResponseSize", $"must be between 1 and 67108864 bytes (it is {options.MaxResponseSize})");
        }

        IdempotencyStoreKind kind;
        switch (options.Kind)
        {
            case "memory":
                kind = IdempotencyStoreKind.Memory;
                if (options.MaxEntries is < 1 or > 100_000_000)
                {
                    Error("maxEntries", $"must be between 1 and 100000000 (it is {options.MaxEntries})");
                }

                break;
            case "postgres":
                kind = IdempotencyStoreKind.Postgres;
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    Error("connectionString", "is required for kind postgres (an Npgsql connection string)");
                }
                else if (ConnectionStringProblem(options.ConnectionString) is { } problem)
                {
                    Error("connectionString", problem);
                }

                if (!Identifier().IsMatch(options.Table))
                {
                    Error("table", $"'{options.Table}' must be a plain identifier: a letter or _, then letters, digits or _, at most 63");
                }

                break;
            default:
                Error("kind", $"'{options.Kind}' is not memory or postgres");
                return null;
        }

        return errors.Count > before
            ? null
            : new IdempotencyStoreSettings(kind, options.MaxEntries, options.MaxResponseSize, options.ConnectionString, options.Table);
    }

    public static IIdempotencyStore Create(IdempotencyStoreSettings settings) => settings.Kind switch
    {
        IdempotencyStoreKind.Postgres => new PostgresIdempotencyStore(settings.ConnectionString!, settings.Table),
        _ => new MemoryIdempotencyStore(settings.MaxEntries),
    };

    // Building a data source parses and checks the string without connecting; what it refuses, the store would.
    private static string? ConnectionStringProblem(string connectionString)
    {
        try
        {
            NpgsqlDataSource.Create(connectionString).Dispose();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
