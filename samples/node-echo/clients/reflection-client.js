'use strict';

// A reflection client we did not write the protocol side of, for Strait's interop tests: `node
// clients/reflection-client.js HOST:PORT EDITION [SYMBOL...]` opens @grpc/grpc-js's ServerReflectionInfo stream
// (EDITION v1 or v1alpha, with the reflection.proto @grpc/reflection ships), lists the services, describes each
// SYMBOL (the files that define it and their services and methods, decoded with protobufjs), and prints one JSON line:
// { "services": [...], "described": { SYMBOL: { "files": [...], "services": { NAME: [METHOD...] } } | { "error": ... } } }.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const descriptor = require('protobufjs/ext/descriptor');

const [target, edition, ...symbols] = process.argv.slice(2);
if (!target || !['v1', 'v1alpha'].includes(edition)) {
  process.stderr.write('usage: node clients/reflection-client.js HOST:PORT v1|v1alpha [SYMBOL...]\n');
  process.exit(2);
}

const protoDir = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
const definition = protoLoader.loadSync(`grpc/reflection/${edition}/reflection.proto`, { includeDirs: [protoDir] });
const reflection = grpc.loadPackageDefinition(definition).grpc.reflection[edition];
const client = new reflection.ServerReflection(target, grpc.credentials.createInsecure());

const call = client.ServerReflectionInfo({ deadline: Date.now() + 15000 });
const requests = [{ listServices: '' }, ...symbols.map((symbol) => ({ fileContainingSymbol: symbol }))];
const answers = [];
call.on('data', (answer) => {
  answers.push(answer);
  if (answers.length === requests.length) {
    call.end();
  }
});
call.on('error', (error) => {
  process.stdout.write(`${JSON.stringify({ error: { code: error.code, details: error.details } })}\n`);
  process.exit(0);
});
call.on('end', () => {
  const result = { services: [], described: {} };
  const [list, ...described] = answers;
  result.services = list.listServicesResponse.service.map((service) => service.name);
  described.forEach((answer, i) => {
    if (answer.errorResponse) {
      result.described[symbols[i]] = { error: answer.errorResponse.errorCode };
      return;
    }
    const files = answer.fileDescriptorResponse.fileDescriptorProto.map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
    const services = {};
    for (const file of files) {
      for (const service of file.service) {
        services[`${file.package}.${service.name}`] = service.method.map((method) => method.name);
      }
    }
    result.described[symbols[i]] = { files: files.map((file) => file.name), services };
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
requests.forEach((request) => call.write(request));
