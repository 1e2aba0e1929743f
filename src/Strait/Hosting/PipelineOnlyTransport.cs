using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Strait.Hosting;

/// <summary>
/// A Kestrel transport that binds no socket and accepts no connection. Kestrel still builds the full connection pipeline
/// of a listener on it (its protocols, the HTTP server, the application), which <see cref="PrefaceRouter"/> hands the
/// connections of a real listener to. Registered after the socket transport, so Kestrel asks it first and it claims only
/// its own endpoints.
/// </summary>
internal sealed class PipelineOnlyTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is PipelineOnlyEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new Listener(endpoint));

    private sealed class Listener(EndPoint endpoint) : IConnectionListener
    {
        private readonly TaskCompletionSource unbound = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EndPoint EndPoint => endpoint;

        /// <summary>Kestrel's accept loop waits here until the server stops; null tells it the listener is done.</summary>
        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            await unbound.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            unbound.TrySetResult();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            unbound.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Where a <see cref="PipelineOnlyTransport"/> listener "listens"; the name shows in Kestrel's list of addresses.</summary>
internal sealed class PipelineOnlyEndPoint(string name) : EndPoint
{
    public override string ToString() => $"{name}.pipeline-only";
}
