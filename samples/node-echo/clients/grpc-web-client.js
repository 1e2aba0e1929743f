'use strict';

// The `grpc-web` npm client in Node, for Strait's interop tests: `node clients/grpc-web-client.js URL text|binary`
// calls the echo services through URL (Strait's grpc-web edge) and prints one JSON line with what came back.
// grpc-web runs on XMLHttpRequest, which Node lacks: xhr2 provides it. Messages are encoded with proto-loader's
// serializers, so no generated code is needed.

global.XMLHttpRequest = require('xhr2');
const grpcWeb = require('grpc-web');
const { loadDefinition } = require('./protos');

const [url, format] = process.argv.slice(2);
if (!url || !['text', 'binary'].includes(format)) {
  process.stderr.write('usage: node clients/grpc-web-client.js URL text|binary\n');
  process.exit(2);
}

const definition = loadDefinition();
const client = new grpcWeb.GrpcWebClientBase({ format: format === 'text' ? 'text' : 'binary' });

function descriptor(service, method, type) {
  const m = definition[service][method];
  return new grpcWeb.MethodDescriptor(
    `/${service}/${method}`,
    type,
    Object,
    Object,
    (request) => m.requestSerialize(request),
    (bytes) => m.responseDeserialize(Buffer.from(bytes)),
  );
}

const echoDescriptor = descriptor('strait.echo.v1.EchoService', 'Echo', grpcWeb.MethodType.UNARY);
const failDescriptor = descriptor('strait.echo.v1.EchoService', 'Fail', grpcWeb.MethodType.UNARY);
const streamDescriptor = descriptor('strait.echo.v1.StreamService', 'ServerStream', grpcWeb.MethodType.SERVER_STREAMING);

function unary() {
  return new Promise((resolve) => {
    const result = {};
    const call = client.rpcCall(`${url}/strait.echo.v1.EchoService/Echo`, { id: `web-${format}` }, { 'x-team': 'web' }, echoDescriptor, (error, reply) => {
      result.error = error ? { code: error.code, message: error.message } : null;
      if (reply) {
        result.id = reply.request.id;
        result.team = reply.metadata['x-team'];
      }
    });
    call.on('metadata', (headers) => { result.replica = headers['x-replica-id']; });
    call.on('status', (status) => {
      result.code = status.code;
      result.trailerKeys = Object.keys(status.metadata ?? {}).sort();
      resolve(result);
    });
  });
}

function failing() {
  return new Promise((resolve) => {
    client.rpcCall(`${url}/strait.echo.v1.EchoService/Fail`, { code: 5, message: 'gone away' }, {}, failDescriptor, (error) => {
      resolve(error ? { code: error.code, message: error.message } : { code: 0 });
    });
  });
}

function serverStream(request) {
  return new Promise((resolve) => {
    const indexes = [];
    let settled = false;
    const finish = (result) => { if (!settled) { settled = true; resolve(result); } };
    const call = client.serverStreaming(`${url}/strait.echo.v1.StreamService/ServerStream`, request, {}, streamDescriptor);
    call.on('data', (reply) => indexes.push(reply.index ?? 0));
    call.on('error', (error) => finish({ indexes, code: error.code, message: error.message }));
    call.on('end', () => finish({ indexes, code: 0 }));
  });
}

async function main() {
  const results = {
    unary: await unary(),
    fail: await failing(),
    serverStream: await serverStream({ text: 'w', count: 10, payload_bytes: 50 }),
    midStreamError: await serverStream({ text: 'e', count: 5, fail_after: 2, fail_code: 14 }),
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
