using System.Text.RegularExpressions;

namespace Strait.Resilience.Idempotency;

/// <summary>Creates the configured <see cref="IIdempotencyStore"/> (<c>resilience.idempotencyStore</c>).</summary>
internal static partial class IdempotencyStores
{
    /// <returns>Null when <paramref name="errors"/> got problems.</returns>
    public static IIdempotencyStore? TryCreate(IdempotencyStoreOptions options, List<string> errors)
    {
        var before = errors.Count;
        void Error(string path, string text) => errors.Add($"resilience.idempotencyStore.{path}: {text}");
        if (options.MaxResponseSize is < 1 or > 64 * 1024 * 1024)
        {
            Error("maxResponseSize", $"must be between 1 and 67108864 bytes (it is {options.MaxResponseSize})");
        }

        switch (options.Kind)
        {
            case "memory":
                if (options.MaxEntries is < 1 or > 100_000_000)
                {
                    Error("maxEntries", $"must be between 1 and 100000000 (it is {options.MaxEntries})");
                }

                return errors.Count > before ? null : new MemoryIdempotencyStore(options.MaxEntries);
            case "postgres":
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    Error("connectionString", "is required for kind postgres (an Npgsql connection string)");
                }

                if (!Identifier().IsMatch(options.Table))
                {
                    Error("table", $"'{options.Table}' must be a plain identifier: a letter or _, then letters, digits or _, at most 63");
                }

                if (errors.Count > before)
                {
                    return null;
                }

                try
                {
                    return new PostgresIdempotencyStore(options.ConnectionString!, options.Table);
                }
                catch (ArgumentException e)
                {
                    Error("connectionString", e.Message);
                    return null;
                }

            default:
                Error("kind", $"'{options.Kind}' is not memory or postgres");
                return null;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
