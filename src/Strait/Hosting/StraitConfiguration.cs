using Microsoft.Extensions.Configuration;
using Strait.Configuration;

namespace Strait.Hosting;

/// <summary>
/// Builds <see cref="StraitOptions"/> from, in rising precedence: the configuration file (YAML or JSON),
/// <c>STRAIT_</c> environment variables (<c>STRAIT_BACKEND__TIMEOUT=00:00:05</c>), and command-line overrides.
/// Unknown keys and unparsable values are errors, not silently ignored.
/// </summary>
internal static class StraitConfiguration
{
    public const string EnvironmentPrefix = "STRAIT_";

    public static StraitOptions Load(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new StraitConfigurationException($"configuration file '{configFile}' does not exist");
            }

            var extension = Path.GetExtension(configFile).ToLowerInvariant();
            switch (extension)
            {
                case ".yaml" or ".yml":
                    builder.AddYamlFile(configFile);
                    break;
                case ".json":
                    builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
                    break;
                default:
                    throw new StraitConfigurationException($"configuration file '{configFile}' must end in .yaml, .yml or .json");
            }
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new StraitConfigurationException($"cannot read '{configFile}': {(e.InnerException ?? e).Message}", e);
        }

        var options = new StraitOptions();
        try
        {
            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new StraitConfigurationException("configuration error: " + (e.InnerException?.Message is { } inner ? e.Message + " " + inner : e.Message), e);
        }

        Validate(options, configFile);
        return options;
    }

    private static void Validate(StraitOptions options, string? source)
    {
        var where = source is null ? string.Empty : $" in '{source}'";
        if (options.Schema.DescriptorSets.Count == 0 && options.Schema.Protos.Count == 0 && !options.Backend.Reflection && !options.Clusters.Values.Any(c => c.Reflection))
        {
            throw new StraitConfigurationException($"no schema{where}: give --proto FILE or --descriptor-set FILE (schema.protos / schema.descriptorSets), or --reflect (backend.reflection: true)");
        }

        if (options.Limits.MaxRequestBodySize <= 0)
        {
            throw new StraitConfigurationException($"limits.maxRequestBodySize{where} must be positive");
        }

        if (options.Json.MaxDepth is < 1 or > 1000)
        {
            throw new StraitConfigurationException($"json.maxDepth{where} must be between 1 and 1000");
        }

        if (options.Json.MaxResponseDepth is < 1 or > 1000)
        {
            throw new StraitConfigurationException($"json.maxResponseDepth{where} must be between 1 and 1000");
        }

        var listenUrls = options.Listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (listenUrls.Length == 0)
        {
            throw new StraitConfigurationException($"listen{where} is empty; give a URL such as http://127.0.0.1:8080");
        }

        foreach (var url in listenUrls.Concat(ListenEndpoints.Split(options.Http2Listen)))
        {
            try
            {
                var (tls, _, _) = ListenEndpoints.Parse(url);
                if (tls && options.Tls.Certificate is null)
                {
                    throw new StraitConfigurationException($"listen URL '{url}'{where} is https:// but tls.certificate is not set");
                }
            }
            catch (StraitConfigurationException e) when (!e.Message.Contains(where, StringComparison.Ordinal))
            {
                throw new StraitConfigurationException(e.Message + where, e);
            }
        }

        if (options.Streaming.Envelope is not ("none" or "result"))
        {
            throw new StraitConfigurationException($"streaming.envelope{where} is '{options.Streaming.Envelope}'; use 'none' or 'result'");
        }

        if (options.Streaming.SseKeepAlive < TimeSpan.FromMilliseconds(100) || options.Streaming.SseKeepAlive > TimeSpan.FromHours(1))
        {
            throw new StraitConfigurationException($"streaming.sseKeepAlive{where} must be between 00:00:00.100 and 01:00:00 (it is {options.Streaming.SseKeepAlive})");
        }

        var streaming = options.Streaming;
        if (streaming.MaxMessageSize is < 1 or > 64 * 1024 * 1024)
        {
            throw new StraitConfigurationException($"streaming.maxMessageSize{where} must be between 1 and 67108864 bytes (it is {streaming.MaxMessageSize})");
        }

        // One message of the largest size accepted must fit, or it could never be received in pieces.
        var largestMessage = options.Clusters.Values.Append(options.Backend).Max(cluster => (long)cluster.MaxResponseMessageSize);
        largestMessage = Math.Max(largestMessage, streaming.MaxMessageSize);
        if (options.Limits.MaxPendingMessageBytes < largestMessage)
        {
            throw new StraitConfigurationException(
                $"limits.maxPendingMessageBytes{where} must be at least the largest message accepted ({largestMessage} bytes: streaming.maxMessageSize or a cluster's maxResponseMessageSize); it is {options.Limits.MaxPendingMessageBytes}");
        }

        if (streaming.MaxStreams < 1 || streaming.MaxStreamsPerClient is < 1)
        {
            throw new StraitConfigurationException($"streaming.maxStreams and streaming.maxStreamsPerClient{where} must be at least 1");
        }

        foreach (var (name, value) in new[] { ("maxLifetime", streaming.MaxLifetime), ("idleTimeout", streaming.IdleTimeout), ("requestBodyIdleTimeout", (TimeSpan?)streaming.RequestBodyIdleTimeout), ("webSocketKeepAlive", (TimeSpan?)streaming.WebSocketKeepAlive) })
        {
            if (value is { } duration && (duration < TimeSpan.FromMilliseconds(100) || duration > TimeSpan.FromDays(7)))
            {
                throw new StraitConfigurationException($"streaming.{name}{where} must be between 00:00:00.100 and 7.00:00:00 (it is {duration})");
            }
        }

        if (Resilience.ClientPartition.TryParse(streaming.ClientKey) is null)
        {
            throw new StraitConfigurationException($"streaming.clientKey{where} is '{streaming.ClientKey}'; use ip, header:NAME or jwt:CLAIM");
        }

        if (options.Errors.Format is not ("problem" or "google-rpc-status"))
        {
            throw new StraitConfigurationException($"errors.format{where} is '{options.Errors.Format}'; use 'problem' or 'google-rpc-status'");
        }

        if (options.ListenProtocols is not (null or "http1" or "http2" or "http1AndHttp2"))
        {
            throw new StraitConfigurationException($"listenProtocols{where} is '{options.ListenProtocols}'; use 'http1', 'http2' or 'http1AndHttp2'");
        }

        if (options.Tls.Key is not null && options.Tls.Certificate is null)
        {
            throw new StraitConfigurationException($"tls.key{where} is set without tls.certificate");
        }

        if (options.Cors.Validate(where).FirstOrDefault() is { } corsError)
        {
            throw new StraitConfigurationException(corsError);
        }

        if (options.Admin.Listen is { } admin && (!Uri.TryCreate(admin, UriKind.Absolute, out var adminUri) || adminUri.Scheme != "http" || adminUri.AbsolutePath != "/"))
        {
            throw new StraitConfigurationException($"admin.listen '{admin}'{where} is not http://HOST:PORT");
        }

        if (options.Admin.Token is not null && options.Admin.TokenFile is not null)
        {
            throw new StraitConfigurationException($"admin.token and admin.tokenFile{where} are both set; use one");
        }

        if (options.Admin.Token is { } token && token.Trim().Length < AdminAccess.MinTokenLength)
        {
            throw new StraitConfigurationException($"admin.token{where} is shorter than {AdminAccess.MinTokenLength} characters; use a long random string");
        }

        if (options.Admin.TokenFile is "")
        {
            throw new StraitConfigurationException($"admin.tokenFile{where} is empty; give a path or leave it unset");
        }

        for (var i = 0; i < options.Admin.AllowedHosts.Count; i++)
        {
            if (!AdminAccess.IsValidHostName(options.Admin.AllowedHosts[i]))
            {
                throw new StraitConfigurationException($"admin.allowedHosts[{i}]{where} '{options.Admin.AllowedHosts[i]}' is not a host name (no scheme, port or wildcard)");
            }
        }
    }
}
