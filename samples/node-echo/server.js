'use strict';

// gRPC echo backend for Strait's interop tests: `node server.js --port 0` prints `LISTENING <port>` once ready.

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const HOST = '127.0.0.1';
const SHUTDOWN_GRACE_MS = 2000;
const ECHO_SERVICE = 'strait.echo.v1.EchoService';
const CONFORMANCE_SERVICE = 'strait.conformance.v1.ConformanceEcho';

// The echo must re-encode exactly what it decoded, so the loader must not lose or invent anything:
// 64-bit integers stay decimal strings (JS numbers would round them), enums keep their names (unknown numbers
// stay numbers), bytes stay Buffers, and no defaults are filled in (so presence of optional and oneof fields
// survives). Field names are kept as in the .proto to avoid a second naming scheme in tests.
const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
  // The last directory holds the C# tests' protos, so conformance.proto imports the very test_messages.proto
  // Google.Protobuf generates its classes from instead of a copy that could drift.
  includeDirs: [
    path.join(__dirname, 'protos'),
    path.join(__dirname, '..', '..', 'protos'),
    path.join(__dirname, '..', '..', 'tests', 'Strait.Tests', 'Protos'),
  ],
};

/** Loads the services' protos; google/protobuf imports come bundled with proto-loader. */
function loadDefinitions() {
  const definition = protoLoader.loadSync(['echo.proto', 'health.proto', 'conformance.proto'], LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition);
  return {
    EchoService: loaded.strait.echo.v1.EchoService,
    ConformanceEcho: loaded.strait.conformance.v1.ConformanceEcho,
    Health: loaded.grpc.health.v1.Health,
  };
}

/** The call's ASCII metadata; binary (`-bin`) entries are skipped because the response map holds text. */
function asciiMetadata(metadata) {
  const result = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (!key.endsWith('-bin')) {
      result[key] = values.map(String).join(', ');
    }
  }
  return result;
}

const REPLY_HEADER_PREFIX = 'echo-reply-header-';
const REPLY_TRAILER_PREFIX = 'echo-reply-trailer-';

/**
 * Reply metadata for header-mapping tests: every Echo reply carries the header `x-server-version` and the
 * trailer `processing-time`, and request metadata `echo-reply-header-<key>` / `echo-reply-trailer-<key>` add
 * `<key>` to the reply's headers / trailers (all values, in order).
 */
function replyMetadata(requestMetadata, started) {
  const headers = new grpc.Metadata();
  const trailers = new grpc.Metadata();
  headers.add('x-server-version', 'node-echo/1.0');
  for (const [key, values] of Object.entries(requestMetadata.toJSON())) {
    for (const [prefix, target] of [[REPLY_HEADER_PREFIX, headers], [REPLY_TRAILER_PREFIX, trailers]]) {
      if (key.startsWith(prefix) && key.length > prefix.length) {
        for (const value of values) {
          target.add(key.slice(prefix.length), String(value));
        }
      }
    }
  }
  trailers.add('processing-time', `${Number(process.hrtime.bigint() - started) / 1e6}ms`);
  return { headers, trailers };
}

function echo(call, callback) {
  const started = process.hrtime.bigint();
  const { headers, trailers } = replyMetadata(call.metadata, started);
  call.sendMetadata(headers);
  callback(null, {
    request: call.request,
    metadata: asciiMetadata(call.metadata),
    peer_method: call.getPath(),
  }, trailers);
}

/**
 * Hands the decoded request back to be encoded again: protobufjs's decode → toObject on the way in and
 * fromObject → encode on the way out, so the reply bytes are what a second implementation makes of the request.
 */
function conformanceEcho(call, callback) {
  callback(null, call.request);
}

function fail(call, callback) {
  const code = call.request.code ?? grpc.status.OK;
  const message = call.request.message ?? '';
  if (code < grpc.status.OK || code > grpc.status.UNAUTHENTICATED) {
    callback({ code: grpc.status.INVALID_ARGUMENT, details: `code must be a gRPC status code from 0 to 16, got ${code}` });
  } else if (code === grpc.status.OK) {
    callback(null, {});
  } else {
    callback({ code, details: message });
  }
}

function check(call, callback) {
  const service = call.request.service ?? '';
  if (service === '' || service === ECHO_SERVICE || service === CONFORMANCE_SERVICE) {
    callback(null, { status: 'SERVING' });
  } else {
    callback({ code: grpc.status.NOT_FOUND, details: `unknown service '${service}'` });
  }
}

function createServer() {
  const { EchoService, ConformanceEcho, Health } = loadDefinitions();
  const server = new grpc.Server();
  server.addService(EchoService.service, { Echo: echo, Fail: fail });
  server.addService(ConformanceEcho.service, { Echo: conformanceEcho });
  server.addService(Health.service, { Check: check });
  return server;
}

function parsePort(args) {
  let port = 0;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    if (flag !== '--port') {
      throw new Error(`unknown argument '${args[i]}'; usage: node server.js [--port N]`);
    }
    const text = inline ?? args[++i];
    port = Number(text);
    if (!/^\d+$/.test(text ?? '') || port > 65535) {
      throw new Error(`--port needs a number from 0 to 65535, got '${text}'`);
    }
  }
  return port;
}

/**
 * Stops on SIGTERM, SIGINT, and end of stdin when stdin is a pipe: a harness that dies closes its end of the
 * pipe, so the server cannot outlive it. A stdin that is a file or terminal (e.g. /dev/null) is not watched,
 * since it would end at once or never.
 */
function stopWhenAsked(server) {
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    setTimeout(() => {
      server.forceShutdown();
      process.exit(0);
    }, SHUTDOWN_GRACE_MS).unref();
    server.tryShutdown(() => process.exit(0));
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const stdin = fs.fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

function main() {
  let port;
  try {
    port = parsePort(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }

  const server = createServer();
  server.bindAsync(`${HOST}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
    if (error) {
      process.stderr.write(`cannot listen on ${HOST}:${port}: ${error.message}\n`);
      process.exit(1);
    }
    stopWhenAsked(server);
    process.stdout.write(`LISTENING ${boundPort}\n`);
  });
}

if (require.main === module) {
  main();
}

module.exports = { loadDefinitions, LOADER_OPTIONS };
