namespace Strait.Wire;

/// <summary>
/// Bounds the bytes that gRPC frame headers announced and that have not arrived yet, summed over every frame being
/// received at once. A header costs its sender five bytes whatever length it declares; without a bound, many calls that
/// send only headers would make the process hold (or wait to fill) far more memory than it was sent.
/// </summary>
/// <remarks>
/// A frame whose payload is not all there when its header is read reserves its missing bytes here for as long as it
/// is being assembled; a frame that arrived whole reserves nothing. A reservation that does not fit fails the call with
/// <see cref="GrpcStatusCode.ResourceExhausted"/> instead of waiting, so a flood of headers cannot stall the calls that
/// already hold a share. Thread-safe.
/// </remarks>
internal sealed class ReceiveBudget
{
    /// <summary>The default for the whole process (<c>limits.maxPendingMessageBytes</c>).</summary>
    public const long DefaultCapacity = 64L * 1024 * 1024;

    private long capacity;
    private long reserved;

    public ReceiveBudget(long capacity)
    {
        Capacity = capacity;
    }

    /// <summary>The budget every <see cref="GrpcFrameReader"/> draws on unless it is given another.</summary>
    public static ReceiveBudget Process { get; } = new(DefaultCapacity);

    /// <summary>The bytes that may be reserved at once; lowering it refuses new reservations until enough are released.</summary>
    public long Capacity
    {
        get => Volatile.Read(ref capacity);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Volatile.Write(ref capacity, value);
        }
    }

    /// <summary>The bytes reserved now.</summary>
    public long Reserved => Volatile.Read(ref reserved);

    /// <returns>False, reserving nothing, when <paramref name="bytes"/> more would exceed the capacity.</returns>
    public bool TryReserve(long bytes)
    {
        var capacity = Capacity;
        var reserved = Volatile.Read(ref this.reserved);
        while (true)
        {
            if (bytes > capacity - reserved)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref this.reserved, reserved + bytes, reserved);
            if (seen == reserved)
            {
                return true;
            }

            reserved = seen;
        }
    }

    /// <summary>Gives back what a successful <see cref="TryReserve"/> took.</summary>
    public void Release(long bytes) => Interlocked.Add(ref reserved, -bytes);
}
