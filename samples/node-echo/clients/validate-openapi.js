'use strict';

// Validates an OpenAPI document with validators we did not write: the document against the official OpenAPI schemas
// (@seriousme/openapi-schema-validator), and each of its component schemas against the JSON Schema 2020-12
// meta-schema (Ajv), which the OpenAPI 3.1 schema leaves unchecked. `node clients/validate-openapi.js URL` fetches the
// document and prints one JSON line: { "valid": bool, "version": "3.1", "errors": [...], "operations": [id...] }.
// Exit code 0 unless the document could not be fetched or parsed.

async function main() {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: node clients/validate-openapi.js URL\n');
    process.exit(2);
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  const document = await response.json();
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const validator = new Validator();
  const result = await validator.validate(document);
  const errors = [...(result.errors ?? [])];
  const Ajv2020 = require('ajv/dist/2020');
  const ajv = new Ajv2020({ validateFormats: false });
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (!ajv.validateSchema(schema)) {
      errors.push({ schema: name, errors: ajv.errors });
    }
  }
  const operations = [];
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item)) {
      operations.push(operation.operationId);
    }
  }
  process.stdout.write(`${JSON.stringify({ valid: result.valid && errors.length === 0, version: validator.version, errors, operations })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
