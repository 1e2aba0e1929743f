'use strict';

// The echo protos, loaded for the clients exactly as server.js loads them for the server.
const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');

const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
  includeDirs: [path.join(__dirname, '..', 'protos'), path.join(__dirname, '..', '..', '..', 'protos')],
};

function loadDefinition() {
  return protoLoader.loadSync(['echo.proto', 'stream.proto'], LOADER_OPTIONS);
}

module.exports = { loadDefinition };
