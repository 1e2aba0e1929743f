'use strict';

// A gRPC backend for any schema, for Strait's schema-refresh tests: `node schema-server.js --descriptor-set FILE
// [--host ADDR] [--port N] [--replica-id ID]` serves every service of a protoc descriptor set (and reflection on it,
// HTTP rules included) and prints `LISTENING <port>` when ready. Restarting it with another set is a backend deploying
// a new version of its API. Every unary method answers from its request: each reply field the request also has is
// copied, and each other string field is set to "<field name>@<replica id>". Streaming methods answer UNIMPLEMENTED.
// It stops on SIGTERM, SIGINT or the end of a piped stdin.

const fs = require('node:fs');
const net = require('node:net');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { addReflection } = require('./reflection');

const USAGE = 'usage: node schema-server.js --descriptor-set FILE [--host ADDR] [--port N] [--replica-id ID]';
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: false };
const STRING_TYPE = 'TYPE_STRING';

function parseArgs(args) {
  const options = { host: '127.0.0.1', port: 0, replicaId: undefined, descriptorSet: undefined };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, text] = [args[i], args[i + 1]];
    if (text === undefined) {
      throw new Error(`${flag} needs a value; ${USAGE}`);
    }
    if (flag === '--descriptor-set') {
      options.descriptorSet = text;
    } else if (flag === '--host' && net.isIP(text) !== 0) {
      options.host = text;
    } else if (flag === '--port' && /^\d+$/.test(text) && Number(text) <= 65535) {
      options.port = Number(text);
    } else if (flag === '--replica-id') {
      options.replicaId = text;
    } else {
      throw new Error(`bad argument '${flag} ${text}'; ${USAGE}`);
    }
  }
  if (options.descriptorSet === undefined) {
    throw new Error(USAGE);
  }
  return options;
}

/** The reply to `request` for a method returning `responseType` (proto-loader's DescriptorProto of it). */
function replyFor(request, responseType, replicaId) {
  const reply = {};
  for (const field of responseType.field) {
    if (request[field.name] !== undefined) {
      reply[field.name] = request[field.name];
    } else if (field.type === STRING_TYPE && field.label !== 'LABEL_REPEATED') {
      reply[field.name] = `${field.name}@${replicaId}`;
    }
  }
  return reply;
}

function createServer(definition, replica) {
  const server = new grpc.Server();
  for (const service of Object.values(definition)) {
    const methods = Object.values(service);
    if (methods.length === 0 || methods.some((m) => m === undefined || m.path === undefined)) {
      continue; // a message or enum, not a service
    }
    const handlers = {};
    for (const [name, method] of Object.entries(service)) {
      handlers[name] = method.requestStream || method.responseStream
        ? (call) => call.destroy({ code: grpc.status.UNIMPLEMENTED, details: 'schema-server answers unary methods only' })
        : (call, callback) => callback(null, replyFor(call.request, method.responseType.type, replica.id));
    }
    server.addService(service, handlers);
  }
  return server;
}

function main() {
  let options;
  let definition;
  try {
    options = parseArgs(process.argv.slice(2));
    definition = protoLoader.loadFileDescriptorSetFromBuffer(fs.readFileSync(options.descriptorSet), LOADER_OPTIONS);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }

  const replica = { id: options.replicaId };
  const server = createServer(definition, replica);
  addReflection(server, definition, options.descriptorSet);
  const address = net.isIPv6(options.host) ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`cannot listen on ${address}: ${error.message}\n`);
      process.exit(1);
    }
    replica.id = replica.id ?? `schema-server-${port}`;
    process.stdout.write(`LISTENING ${port}\n`);
  });

  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const stdin = fs.fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

main();
