namespace Strait.Gateway;

/// <summary>Holds the current <see cref="GatewaySnapshot"/>; replacing it is one atomic reference swap.</summary>
internal sealed class GatewaySnapshotHolder
{
    private GatewaySnapshot current;

    public GatewaySnapshotHolder(GatewaySnapshot initial) => current = initial;

    public GatewaySnapshot Current => Volatile.Read(ref current);

    /// <summary>
    /// Installs <paramref name="next"/> and returns the previous snapshot. Nothing disposes it: requests that hold it
    /// finish on it, and it is collected after the last one; what must outlive it belongs to the runtime.
    /// </summary>
    public GatewaySnapshot Swap(GatewaySnapshot next) => Interlocked.Exchange(ref current, next);
}
