'use strict';

// Node clients of TaskService (todo.v1), for Strait's interop tests:
//   node clients/todo-client.js grpc-js HOST:PORT
//   node clients/todo-client.js grpc-web URL text|binary
// Each creates a task through Strait, reads it back, and asks for a task that does not exist, then prints one JSON
// line with what came back. Messages are encoded by proto-loader from todo.proto: no generated code.

const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');

const [kind, target, format] = process.argv.slice(2);
if (!(kind === 'grpc-js' && target) && !(kind === 'grpc-web' && target && ['text', 'binary'].includes(format))) {
  process.stderr.write('usage: node clients/todo-client.js grpc-js HOST:PORT | grpc-web URL text|binary\n');
  process.exit(2);
}

const root = path.join(__dirname, '..', '..', '..');
const definition = protoLoader.loadSync('todo.proto', {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  includeDirs: [path.join(root, 'samples', 'TaskService', 'Protos'), path.join(root, 'protos')],
});
const service = 'todo.v1.TaskService';
const title = `node ${kind} ${format ?? ''}`.trim();

function viaGrpcJs() {
  const grpc = require('@grpc/grpc-js');
  const loaded = grpc.loadPackageDefinition(definition);
  const client = new loaded.todo.v1.TaskService(target, grpc.credentials.createInsecure());
  const call = (method, request) => new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + 15000 }, (error, reply) => resolve({ error, reply }));
  });
  return run(call);
}

function viaGrpcWeb() {
  global.XMLHttpRequest = require('xhr2');
  const grpcWeb = require('grpc-web');
  const client = new grpcWeb.GrpcWebClientBase({ format });
  const call = (method, request) => new Promise((resolve) => {
    const m = definition[service][method];
    const descriptor = new grpcWeb.MethodDescriptor(
      `/${service}/${method}`, grpcWeb.MethodType.UNARY, Object, Object,
      (message) => m.requestSerialize(message), (bytes) => m.responseDeserialize(Buffer.from(bytes)));
    client.rpcCall(`${target}/${service}/${method}`, request, {}, descriptor, (error, reply) => resolve({ error, reply }));
  });
  return run(call);
}

async function run(call) {
  const created = await call('CreateTask', { task: { title, priority: 'PRIORITY_HIGH' } });
  const name = created.reply?.name;
  const fetched = name ? await call('GetTask', { name }) : { error: { code: -1, message: 'not created' } };
  const missing = await call('GetTask', { name: 'tasks/does-not-exist' });
  return {
    created: { code: created.error?.code ?? 0, name, title: created.reply?.title, priority: created.reply?.priority },
    fetched: { code: fetched.error?.code ?? 0, name: fetched.reply?.name, title: fetched.reply?.title },
    missing: { code: missing.error?.code ?? 0 },
  };
}

(kind === 'grpc-js' ? viaGrpcJs() : viaGrpcWeb())
  .then((results) => { process.stdout.write(JSON.stringify(results) + '\n'); process.exit(0); })
  .catch((error) => { process.stderr.write(`${error.stack}\n`); process.exit(1); });
