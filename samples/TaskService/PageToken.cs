using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Strait.Samples.TaskService;

/// <summary>
/// Opaque list cursors: the offset of the next page plus a fingerprint of <c>filter</c> and <c>order_by</c>, so a
/// token cannot be replayed against a different query (AIP-158). Offsets over a live store may skip or repeat a
/// task that is created or deleted between pages; that is acceptable for a demo.
/// </summary>
internal static class PageToken
{
    private const string Field = "page_token";
    private const char Separator = '.';

    public static string Encode(int offset, string filter, string orderBy) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{offset.ToString(CultureInfo.InvariantCulture)}{Separator}{Fingerprint(filter, orderBy)}"));

    /// <summary>Returns the offset a token points at (0 for no token), or null after adding a violation.</summary>
    public static int? Decode(string token, string filter, string orderBy, ValidationErrors errors)
    {
        if (token.Length == 0)
        {
            return 0;
        }

        if (!TryReadParts(token, out var offset, out var fingerprint))
        {
            errors.Add(Field, ViolationReason.InvalidFormat, "is not a valid page token; pass next_page_token from a previous response");
            return null;
        }

        if (fingerprint != Fingerprint(filter, orderBy))
        {
            errors.Add(Field, ViolationReason.QueryMismatch, "page_token does not match the query; keep filter and order_by unchanged while paging");
            return null;
        }

        return offset;
    }

    private static bool TryReadParts(string token, out int offset, out string fingerprint)
    {
        offset = 0;
        fingerprint = "";
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(bytes).Split(Separator);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            return false;
        }

        fingerprint = parts[1];
        return true;
    }

    private static string Fingerprint(string filter, string orderBy)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{filter}\n{orderBy}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
