'use strict';

// Server reflection for the node backends, on @grpc/reflection. @grpc/reflection re-encodes every file through
// protobufjs's descriptor types, which drop options they do not declare; google.api.http is declared on them here,
// so the HTTP rules survive. Files loaded from .proto by proto-loader lose custom options anyway (protobufjs does not
// carry them into its descriptors), so a backend that must publish its HTTP rules passes the protoc-built descriptor
// set of its protos (`--descriptor-set`), and reflection answers from that set's files as protoc wrote them.

const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');
const { ReflectionService } = require('@grpc/reflection');

const HTTP_PROTO = path.join(__dirname, '..', '..', 'protos', 'google', 'api', 'http.proto');
const HTTP_EXTENSION_NUMBER = 72295728;

let httpOptionDeclared = false;

/** Declares google.api.HttpRule and the `google.api.http` method option on protobufjs's descriptor root, once. */
function declareHttpOption() {
  if (httpOptionDeclared) {
    return;
  }
  const root = descriptor.FileDescriptorProto.root;
  const parsed = protobuf.parse(fs.readFileSync(HTTP_PROTO, 'utf8')).root;
  const api = root.define('google.api');
  for (const type of [...parsed.lookup('google.api').nestedArray]) {
    type.parent.remove(type);
    api.add(type);
  }
  api.add(new protobuf.Field('http', HTTP_EXTENSION_NUMBER, 'google.api.HttpRule', 'optional', 'google.protobuf.MethodOptions'));
  root.resolveAll();
  httpOptionDeclared = true;
}

/** The serialized FileDescriptorProtos of a protoc descriptor set file (`protoc -o FILE --include_imports`). */
function readDescriptorSet(file) {
  const set = descriptor.FileDescriptorSet.decode(fs.readFileSync(file));
  if (set.file.length === 0) {
    throw new Error(`descriptor set '${file}' holds no files`);
  }
  return set.file.map((proto) => descriptor.FileDescriptorProto.encode(proto).finish());
}

/**
 * Adds grpc.reflection.v1 and v1alpha to `server`, describing `packageDefinition` (proto-loader's), or the files of
 * the descriptor set at `descriptorSetFile` when one is given.
 */
function addReflection(server, packageDefinition, descriptorSetFile) {
  declareHttpOption();
  const source = descriptorSetFile === undefined
    ? packageDefinition
    : { files: { fileDescriptorProtos: readDescriptorSet(descriptorSetFile) } };
  new ReflectionService(source).addToServer(server);
}

module.exports = { addReflection };
