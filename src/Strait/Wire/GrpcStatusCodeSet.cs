namespace Strait.Wire;

/// <summary>An immutable set of gRPC status codes, one bit per code, as configuration lists them.</summary>
internal readonly record struct GrpcStatusCodeSet(uint Mask)
{
    public static GrpcStatusCodeSet Empty => default;

    public bool Contains(GrpcStatusCode code) => (uint)code < 32 && (Mask & (1u << (int)code)) != 0;

    public GrpcStatusCodeSet With(GrpcStatusCode code) => new(Mask | (1u << (int)code));

    public static GrpcStatusCodeSet Of(params ReadOnlySpan<GrpcStatusCode> codes)
    {
        var set = Empty;
        foreach (var code in codes)
        {
            set = set.With(code);
        }

        return set;
    }

    /// <summary>Parses error code names such as <c>UNAVAILABLE</c>; each bad entry is reported under <paramref name="key"/>[i].</summary>
    public static GrpcStatusCodeSet Parse(IReadOnlyList<string> names, string key, Action<string, string> error)
    {
        var set = Empty;
        for (var i = 0; i < names.Count; i++)
        {
            if (GrpcStatusCodeNames.TryParseCanonicalName(names[i].Trim(), out var code) && code != GrpcStatusCode.Ok)
            {
                set = set.With(code);
            }
            else
            {
                error($"{key}[{i}]", $"'{names[i]}' is not a gRPC error code name such as UNAVAILABLE");
            }
        }

        return set;
    }

    public override string ToString()
    {
        var names = new List<string>();
        for (var code = 0; code < 17; code++)
        {
            if (Contains((GrpcStatusCode)code))
            {
                names.Add(((GrpcStatusCode)code).ToCanonicalName());
            }
        }

        return string.Join(", ", names);
    }
}
