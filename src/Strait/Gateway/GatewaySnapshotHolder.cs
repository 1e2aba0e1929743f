namespace Strait.Gateway;

/// <summary>Holds the current <see cref="GatewaySnapshot"/>; replacing it is one atomic reference swap.</summary>
internal sealed class GatewaySnapshotHolder
{
    private GatewaySnapshot current;

    public GatewaySnapshotHolder(GatewaySnapshot initial) => current = initial;

    public GatewaySnapshot Current => Volatile.Read(ref current);

    /// <summary>Installs <paramref name="next"/> and returns the previous snapshot (its owner disposes it once drained).</summary>
    public GatewaySnapshot Swap(GatewaySnapshot next) => Interlocked.Exchange(ref current, next);
}
