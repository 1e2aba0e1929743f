'use strict';

// A @grpc/grpc-js client for Strait's interop tests: `node clients/grpc-js-client.js HOST:PORT` calls the echo
// services at HOST:PORT (Strait's HTTP/2 port, or a backend directly) in all four call shapes and prints one JSON
// line with what came back; the C# test asserts on it. Exit code 0 unless a call could not be made at all.

const grpc = require('@grpc/grpc-js');
const { loadDefinition } = require('./protos');

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: node clients/grpc-js-client.js HOST:PORT\n');
  process.exit(2);
}

const loaded = grpc.loadPackageDefinition(loadDefinition());
const credentials = grpc.credentials.createInsecure();
const echo = new loaded.strait.echo.v1.EchoService(target, credentials);
const stream = new loaded.strait.echo.v1.StreamService(target, credentials);
const deadline = () => Date.now() + 15000;

function unary() {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    metadata.add('x-team', 'green');
    metadata.add('echo-reply-trailer-x-audit', 'seen');
    const result = {};
    const call = echo.Echo({ id: 'js-1', int64_value: '9007199254740993' }, metadata, { deadline: deadline() }, (error, reply) => {
      result.error = error ? { code: error.code, details: error.details } : null;
      if (reply) {
        result.id = reply.request.id;
        result.int64 = reply.request.int64_value;
        result.team = reply.metadata['x-team'];
        result.method = reply.peer_method;
      }
    });
    call.on('metadata', (headers) => { result.replica = headers.get('x-replica-id')[0]; });
    call.on('status', (status) => {
      result.code = status.code;
      result.audit = status.metadata.get('x-audit')[0];
      resolve(result);
    });
  });
}

function failing() {
  return new Promise((resolve) => {
    echo.Fail({ code: 7, message: 'no entry' }, { deadline: deadline() }, (error) => resolve({ code: error?.code, details: error?.details }));
  });
}

function serverStream(request) {
  return new Promise((resolve) => {
    const indexes = [];
    const call = stream.ServerStream(request, { deadline: deadline() });
    call.on('data', (reply) => indexes.push(reply.index ?? 0));
    call.on('error', () => {});
    call.on('status', (status) => resolve({ indexes, code: status.code, details: status.details }));
  });
}

function clientStream() {
  return new Promise((resolve) => {
    const call = stream.ClientStream({ deadline: deadline() }, (error, reply) => {
      resolve(error ? { code: error.code } : { code: 0, text: reply.text, index: reply.index });
    });
    for (const text of ['x', 'y', 'z']) {
      call.write({ text });
    }
    call.end();
  });
}

function bidi() {
  return new Promise((resolve) => {
    const call = stream.BidiStream({ deadline: deadline() });
    const texts = [];
    let sent = 0;
    const next = () => {
      if (sent === 3) {
        call.end();
        return;
      }
      call.write({ text: `b${sent}` });
      sent++;
    };
    // Each message goes out only after the previous answer came back: the stream is interactive end to end.
    call.on('data', (reply) => { texts.push(`${reply.text}:${reply.index ?? 0}`); next(); });
    call.on('error', () => {});
    call.on('status', (status) => resolve({ texts, code: status.code }));
    next();
  });
}

function cancelled() {
  return new Promise((resolve) => {
    const call = stream.ServerStream({ text: 'js-cancelled', count: 10000, interval_ms: 20 }, { deadline: deadline() });
    let received = 0;
    call.on('data', () => {
      received++;
      if (received === 3) {
        call.cancel();
      }
    });
    call.on('error', () => {});
    call.on('status', (status) => resolve({ received, code: status.code }));
  });
}

async function main() {
  const results = {
    unary: await unary(),
    fail: await failing(),
    serverStream: await serverStream({ text: 's', count: 20, payload_bytes: 100 }),
    midStreamError: await serverStream({ text: 'e', count: 5, fail_after: 2, fail_code: 14 }),
    clientStream: await clientStream(),
    bidi: await bidi(),
    cancelled: await cancelled(),
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
  echo.close();
  stream.close();
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
