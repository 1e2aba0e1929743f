'use strict';

// gRPC echo backend for Strait's interop tests: `node server.js --port 0` prints `LISTENING <port>` once ready.
// Flags: --host ADDR (default 127.0.0.1), --port N (default 0, any free port), --replica-id ID (default
// node-echo-<port>; sent as the response header x-replica-id), --latency-ms N (delays every Echo reply).
// Stdin lines `health serving` / `health not-serving` set the health status and print `HEALTH SERVING` /
// `HEALTH NOT_SERVING` once it is in effect; `streams` prints `STREAMS text=sent ...` for running ServerStreams.
// Server reflection (v1, v1alpha) describes every service; --descriptor-set FILE (protoc's, of the same protos) makes
// it answer with protoc's files, HTTP rules included (see reflection.js).

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { addReflection } = require('./reflection');

const DEFAULT_HOST = '127.0.0.1';
const SHUTDOWN_GRACE_MS = 2000;
const ECHO_SERVICE = 'strait.echo.v1.EchoService';
const CONFORMANCE_SERVICE = 'strait.conformance.v1.ConformanceEcho';
const REPLICA_ID_HEADER = 'x-replica-id';
const USAGE = 'usage: node server.js [--host ADDR] [--port N] [--replica-id ID] [--latency-ms N] [--descriptor-set FILE]';

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
  // The C# tests' protos are included so conformance.proto imports the very test_messages.proto Google.Protobuf
  // generates its classes from instead of a copy that could drift; Strait's for the standard health.proto it uses.
  includeDirs: [
    path.join(__dirname, 'protos'),
    path.join(__dirname, '..', '..', 'protos'),
    path.join(__dirname, '..', '..', 'tests', 'Strait.Tests', 'Protos'),
    path.join(__dirname, '..', '..', 'src', 'Strait', 'Protos'),
  ],
};

/** Loads the services' protos; google/protobuf imports come bundled with proto-loader. */
function loadDefinitions() {
  const definition = protoLoader.loadSync(['echo.proto', 'grpc/health/v1/health.proto', 'conformance.proto', 'stream.proto'], LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition);
  return {
    definition,
    EchoService: loaded.strait.echo.v1.EchoService,
    StreamService: loaded.strait.echo.v1.StreamService,
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

/** Response headers naming the replica: `x-replica-id: <id>`. */
function replicaMetadata(replica) {
  const headers = new grpc.Metadata();
  headers.add(REPLICA_ID_HEADER, replica.id);
  return headers;
}

/**
 * Reply metadata for header-mapping tests: Echo, ServerStream and ClientStream replies carry the headers
 * `x-replica-id` and `x-server-version`, Echo's also the trailer `processing-time` (added when the reply is sent),
 * and request metadata `echo-reply-header-<key>` / `echo-reply-trailer-<key>` add `<key>` to the reply's headers /
 * trailers (all values, in order).
 */
function replyMetadata(requestMetadata, replica) {
  const headers = replicaMetadata(replica);
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
  return { headers, trailers };
}

/** Runs `reply` after `latencyMs`, or never if the call is cancelled first. */
function afterLatency(call, latencyMs, reply) {
  if (latencyMs <= 0) {
    reply();
    return;
  }
  const onCancelled = () => clearTimeout(timer);
  const timer = setTimeout(() => {
    call.off('cancelled', onCancelled);
    reply();
  }, latencyMs);
  call.once('cancelled', onCancelled);
}

function echo(replica, call, callback) {
  const started = process.hrtime.bigint();
  const { headers, trailers } = replyMetadata(call.metadata, replica);
  call.sendMetadata(headers);
  afterLatency(call, replica.latencyMs, () => {
    trailers.add('processing-time', `${Number(process.hrtime.bigint() - started) / 1e6}ms`);
    callback(null, {
      request: call.request,
      metadata: asciiMetadata(call.metadata),
      peer_method: call.getPath(),
    }, trailers);
  });
}

/**
 * Hands the decoded request back to be encoded again: protobufjs's decode → toObject on the way in and
 * fromObject → encode on the way out, so the reply bytes are what a second implementation makes of the request.
 */
function conformanceEcho(call, callback) {
  callback(null, call.request);
}

function fail(replica, call, callback) {
  call.sendMetadata(replicaMetadata(replica));
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

/** Writes `reply`, resolving once grpc-js has room again: a client that stops reading stalls the stream here. */
function writeWithBackpressure(call, reply) {
  return new Promise((resolve) => {
    if (call.write(reply)) {
      resolve();
    } else {
      call.once('drain', resolve);
    }
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Replies written so far by each running ServerStream, by its request text: stdin `streams` prints them, so a
// backpressure test can see that a stream whose reader stopped stops being written.
const serverStreamProgress = new Map();

async function serverStream(replica, call) {
  const { headers, trailers } = replyMetadata(call.metadata, replica);
  call.sendMetadata(headers);
  let cancelled = false;
  call.once('cancelled', () => {
    cancelled = true;
    serverStreamProgress.delete(call.request.text ?? '');
    // For cancellation tests: the harness waits for these lines; the second says when (Unix ms), to time the hop.
    process.stdout.write(`CANCELLED ServerStream ${call.request.text ?? ''}\nCANCELLED_AT ${Date.now()} ${call.request.text ?? ''}\n`);
  });
  const { text = '', count = 0, interval_ms: intervalMs = 0, fail_after: failAfter = 0, fail_code: failCode = 0 } = call.request;
  const payload = Buffer.alloc(call.request.payload_bytes ?? 0, 0x61);
  try {
    for (let index = 0; index < count && !cancelled; index++) {
      serverStreamProgress.set(text, index);
      if (failAfter > 0 && index === failAfter) {
        call.emit('error', { code: failCode || grpc.status.INTERNAL, details: `failed after ${failAfter} replies` });
        return;
      }
      if (index > 0 && intervalMs > 0) {
        await sleep(intervalMs);
      }
      await writeWithBackpressure(call, { text, index, payload, metadata: index === 0 ? asciiMetadata(call.metadata) : {} });
    }
  } finally {
    serverStreamProgress.delete(text);
  }
  if (!cancelled) {
    call.end(trailers);
  }
}

function clientStream(replica, call, callback) {
  const { headers, trailers } = replyMetadata(call.metadata, replica);
  call.sendMetadata(headers);
  const texts = [];
  call.on('data', (request) => texts.push(request.text ?? ''));
  call.on('end', () => callback(null, { text: texts.join('+'), index: texts.length, metadata: asciiMetadata(call.metadata) }, trailers));
}

function bidiStream(replica, call) {
  call.sendMetadata(replicaMetadata(replica));
  let index = 0;
  let over = false;
  let first;
  call.once('cancelled', () => {
    over = true;
    // For cancellation tests, as ServerStream's: named by the call's first request text.
    process.stdout.write(`CANCELLED BidiStream ${first ?? ''}\n`);
  });
  call.on('data', (request) => {
    if (over) {
      return;
    }
    first ??= request.text ?? '';
    if (request.fail_code > 0) {
      over = true;
      call.emit('error', { code: request.fail_code, details: `failed after ${index} replies` });
      return;
    }
    call.write({ text: request.text ?? '', index, metadata: index === 0 ? asciiMetadata(call.metadata) : {} });
    index++;
  });
  call.on('end', () => {
    if (!over) {
      call.end();
    }
  });
}

/**
 * The health of the whole server: one status for `""` and both services, switched by stdin commands
 * (`setHealth`). Watch calls get every change.
 */
function createHealth() {
  return { status: 'SERVING', watchers: new Set() };
}

function isKnownService(service) {
  return service === '' || service === ECHO_SERVICE || service === CONFORMANCE_SERVICE;
}

function setHealth(health, status) {
  if (health.status === status) {
    return;
  }
  health.status = status;
  for (const watcher of health.watchers) {
    watcher.notify(status);
  }
}

function check(replica, health, call, callback) {
  call.sendMetadata(replicaMetadata(replica));
  const service = call.request.service ?? '';
  if (isKnownService(service)) {
    callback(null, { status: health.status });
  } else {
    callback({ code: grpc.status.NOT_FOUND, details: `unknown service '${service}'` });
  }
}

/**
 * The status now and after every change, until the client cancels or the server stops; SERVICE_UNKNOWN once
 * (the call staying open) for a service the server does not know, as the health protocol asks.
 */
function watch(replica, health, call) {
  call.sendMetadata(replicaMetadata(replica));
  const service = call.request.service ?? '';
  let last = isKnownService(service) ? health.status : 'SERVICE_UNKNOWN';
  const watcher = {
    call,
    notify: (status) => {
      if (isKnownService(service) && status !== last) {
        last = status;
        call.write({ status });
      }
    },
  };
  health.watchers.add(watcher);
  call.once('cancelled', () => health.watchers.delete(watcher));
  call.write({ status: last });
}

/** `replica` holds `id` (set once the port is known) and `latencyMs`; `health` comes from `createHealth`. */
function createServer(replica, health, descriptorSet) {
  const { definition, EchoService, ConformanceEcho, StreamService, Health } = loadDefinitions();
  const server = new grpc.Server();
  addReflection(server, definition, descriptorSet);
  server.addService(EchoService.service, {
    Echo: (call, callback) => echo(replica, call, callback),
    Fail: (call, callback) => fail(replica, call, callback),
  });
  server.addService(ConformanceEcho.service, { Echo: conformanceEcho });
  server.addService(StreamService.service, {
    ServerStream: (call) => { serverStream(replica, call); },
    ClientStream: (call, callback) => clientStream(replica, call, callback),
    BidiStream: (call) => bidiStream(replica, call),
  });
  server.addService(Health.service, {
    Check: (call, callback) => check(replica, health, call, callback),
    Watch: (call) => watch(replica, health, call),
  });
  return server;
}

function parseInteger(flag, text, max) {
  const value = Number(text);
  if (!/^\d+$/.test(text ?? '') || value > max) {
    throw new Error(`${flag} needs a number from 0 to ${max}, got '${text}'`);
  }
  return value;
}

function parseArgs(args) {
  const options = { host: DEFAULT_HOST, port: 0, replicaId: undefined, latencyMs: 0, descriptorSet: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const separator = arg.indexOf('=');
    const flag = separator < 0 ? arg : arg.slice(0, separator);
    const text = separator < 0 ? args[++i] : arg.slice(separator + 1);
    switch (flag) {
      case '--port':
        options.port = parseInteger(flag, text, 65535);
        break;
      case '--latency-ms':
        options.latencyMs = parseInteger(flag, text, 600000);
        break;
      case '--host':
        if (net.isIP(text ?? '') === 0) {
          throw new Error(`--host needs an IP address, got '${text}'`);
        }
        options.host = text;
        break;
      case '--descriptor-set':
        if (!fs.existsSync(text ?? '')) {
          throw new Error(`--descriptor-set needs an existing file, got '${text}'`);
        }
        options.descriptorSet = text;
        break;
      case '--replica-id':
        if (!/^[\x20-\x7e]+$/.test(text ?? '')) {
          throw new Error(`--replica-id needs a non-empty value of printable ASCII characters, got '${text}'`);
        }
        options.replicaId = text;
        break;
      default:
        throw new Error(`unknown argument '${arg}'; ${USAGE}`);
    }
  }
  return options;
}

/** Applies one stdin line: `health serving` or `health not-serving`; anything else is reported and ignored. */
function runCommand(health, line) {
  const words = line.trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) {
    return;
  }
  const command = words.join(' ');
  if (command === 'health serving') {
    setHealth(health, 'SERVING');
    process.stdout.write('HEALTH SERVING\n');
  } else if (command === 'health not-serving') {
    setHealth(health, 'NOT_SERVING');
    process.stdout.write('HEALTH NOT_SERVING\n');
  } else if (command === 'streams') {
    const entries = [...serverStreamProgress].map(([text, sent]) => `${text}=${sent}`);
    process.stdout.write(`STREAMS ${entries.join(' ')}\n`);
  } else {
    process.stderr.write(`unknown command '${line}'; expected 'health serving', 'health not-serving' or 'streams'\n`);
  }
}

/**
 * Stops on SIGTERM, SIGINT, and end of stdin when stdin is a pipe: a harness that dies closes its end of the
 * pipe, so the server cannot outlive it. A stdin that is a file or terminal (e.g. /dev/null) is not watched,
 * since it would end at once or never. While it is watched, its lines are commands (`runCommand`).
 */
function stopWhenAsked(server, health) {
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    // Watch calls never end by themselves; end them so the graceful shutdown need not wait for the grace period.
    for (const { call } of health.watchers) {
      call.end();
    }
    health.watchers.clear();
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
    readline.createInterface({ input: process.stdin, terminal: false }).on('line', (line) => runCommand(health, line));
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }

  const replica = { id: options.replicaId, latencyMs: options.latencyMs };
  const health = createHealth();
  const server = createServer(replica, health, options.descriptorSet);
  const address = net.isIPv6(options.host) ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
    if (error) {
      process.stderr.write(`cannot listen on ${address}: ${error.message}\n`);
      process.exit(1);
    }
    replica.id ??= `node-echo-${boundPort}`;
    stopWhenAsked(server, health);
    process.stdout.write(`LISTENING ${boundPort}\n`);
  });
}

if (require.main === module) {
  main();
}

module.exports = { loadDefinitions, LOADER_OPTIONS };
