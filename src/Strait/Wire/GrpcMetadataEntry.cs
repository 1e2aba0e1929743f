using System.Text;

namespace Strait.Wire;

/// <summary>One immutable metadata entry: a text value, or bytes when the key ends in <c>-bin</c>.</summary>
internal sealed class GrpcMetadataEntry
{
    private readonly string? text;
    private readonly byte[]? bytes;

    internal GrpcMetadataEntry(string key, string text)
    {
        Key = key;
        this.text = text;
    }

    internal GrpcMetadataEntry(string key, byte[] bytes)
    {
        Key = key;
        this.bytes = bytes;
    }

    /// <summary>The lower-case key.</summary>
    public string Key { get; }

    /// <summary><see langword="true"/> for <c>-bin</c> keys, whose value is <see cref="ValueBytes"/>.</summary>
    public bool IsBinary => bytes is not null;

    /// <summary>The text value; for a binary entry, its wire form (unpadded base64).</summary>
    public string Value => text ?? GrpcBinaryHeader.Encode(bytes!);

    /// <summary>
    /// The bytes of a binary entry (the stored array, not a copy: do not modify it); for a text entry, its ASCII bytes.
    /// </summary>
    public byte[] ValueBytes => bytes ?? Encoding.ASCII.GetBytes(text!);

    public override string ToString() => $"{Key}: {Value}";
}
