using Npgsql;

namespace Strait.Resilience.Idempotency;

/// <summary>
/// A store in one PostgreSQL table, shared by every Strait replica: a key claimed by one replica is in flight for all
/// of them, and its answer is replayed by any. Claims are single statements (INSERT … ON CONFLICT … WHERE), so two
/// replicas can never both win a key; an unfinished claim lapses after its lease, an answer after its TTL.
/// </summary>
internal sealed class PostgresIdempotencyStore : IIdempotencyStore
{
    private const short InFlight = 0;
    private const short Completed = 1;

    private readonly NpgsqlDataSource dataSource;
    private readonly string table;
    private readonly SemaphoreSlim schemaGate = new(1, 1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(5);

    private volatile bool schemaReady;
    private long nextSweepTicks;

    /// <param name="table">A plain identifier (letters, digits, underscores), checked by the caller.</param>
    public PostgresIdempotencyStore(string connectionString, string table)
    {
        dataSource = NpgsqlDataSource.Create(connectionString);
        this.table = table;
    }

    public async ValueTask<IdempotencyClaim> TryBeginAsync(string key, byte[] fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await SweepIfDueAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (var claim = connection.CreateCommand())
        {
            // Wins a new key, an expired one, or one whose claimant let its lease lapse.
            claim.CommandText = $"""
                INSERT INTO {table} (key, fingerprint, state, token, expires_at)
                VALUES (@key, @fingerprint, {InFlight}, @token, now() + @lease)
                ON CONFLICT (key) DO UPDATE
                  SET fingerprint = EXCLUDED.fingerprint, state = {InFlight}, token = EXCLUDED.token, expires_at = EXCLUDED.expires_at,
                      status = NULL, headers = NULL, body = NULL
                  WHERE {table}.expires_at <= now()
                RETURNING 1
                """;
            claim.Parameters.AddWithValue("key", key);
            claim.Parameters.AddWithValue("fingerprint", fingerprint);
            claim.Parameters.AddWithValue("lease", lease);
            var token = Guid.NewGuid();
            claim.Parameters.AddWithValue("token", token);
            if (await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return new IdempotencyClaim(IdempotencyClaimState.Begun, Token: token);
            }
        }

        await using var read = connection.CreateCommand();
        read.CommandText = $"SELECT fingerprint, state, status, headers, body FROM {table} WHERE key = @key";
        read.Parameters.AddWithValue("key", key);
        await using var row = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await row.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Deleted (abandoned) between the two statements: the caller tries again like any in-flight repeat.
            return new IdempotencyClaim(IdempotencyClaimState.InFlight);
        }

        if (!((byte[])row[0]).AsSpan().SequenceEqual(fingerprint))
        {
            return new IdempotencyClaim(IdempotencyClaimState.Mismatch);
        }

        if (row.GetInt16(1) != Completed)
        {
            return new IdempotencyClaim(IdempotencyClaimState.InFlight);
        }

        var response = new StoredResponse(row.GetInt32(2), StoredResponse.DeserializeHeaders((byte[])row[3]), (byte[])row[4]);
        return new IdempotencyClaim(IdempotencyClaimState.Completed, response);
    }

    public async ValueTask CompleteAsync(string key, Guid claim, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE {table} SET state = {Completed}, status = @status, headers = @headers, body = @body, expires_at = now() + @ttl
            WHERE key = @key AND token = @token AND state = {InFlight}
            """);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("token", claim);
        command.Parameters.AddWithValue("status", response.Status);
        command.Parameters.AddWithValue("headers", response.SerializeHeaders());
        command.Parameters.AddWithValue("body", response.Body);
        command.Parameters.AddWithValue("ttl", ttl);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AbandonAsync(string key, Guid claim, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {table} WHERE key = @key AND token = @token AND state = {InFlight}");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("token", claim);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await dataSource.DisposeAsync().ConfigureAwait(false);
        schemaGate.Dispose();
    }

    /// <summary>
    /// Deletes a batch of expired rows every few minutes, from whichever replica gets there first: expired keys are
    /// never read again, and the table must not grow without bound.
    /// </summary>
    private async Task SweepIfDueAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow.Ticks;
        var due = Interlocked.Read(ref nextSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref nextSweepTicks, now + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        await using var sweep = connection.CreateCommand();
        sweep.CommandText = $"DELETE FROM {table} WHERE key IN (SELECT key FROM {table} WHERE expires_at <= now() LIMIT 10000)";
        await sweep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the table on first use, so that the gateway starts while the database is still coming up.</summary>
    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (schemaReady)
        {
            return;
        }

        await schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!schemaReady)
            {
                await using var command = dataSource.CreateCommand($"""
                    CREATE TABLE IF NOT EXISTS {table} (
                      key text PRIMARY KEY,
                      fingerprint bytea NOT NULL,
                      state smallint NOT NULL,
                      token uuid NOT NULL,
                      status integer,
                      headers bytea,
                      body bytea,
                      expires_at timestamptz NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS {table}_expires_at ON {table} (expires_at);
                    """);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                schemaReady = true;
            }
        }
        finally
        {
            schemaGate.Release();
        }
    }
}
