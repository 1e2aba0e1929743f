'use strict';

// Starts server.js as a child process exactly as a test harness would and checks the echo, the errors, the
// replica header, the health check and its stdin commands, the flags, and the ways of stopping it. Reports every
// check and exits non-zero if any failed.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
const { loadDefinitions } = require('./server');

const STARTUP_TIMEOUT_MS = 10000;
const EXIT_TIMEOUT_MS = 5000;

const { EchoService, ConformanceEcho, Health } = loadDefinitions();

/** Every field set, in the loader's object form, so the echoed object must be deeply equal to it. */
const FULL_REQUEST = {
  id: 'abc-123',
  int32_value: -7,
  int64_value: '-9007199254740993',
  uint64_value: '18446744073709551615',
  sint32_value: -42,
  fixed64_value: '18446744073709551614',
  double_value: -0.1,
  float_value: 1.5,
  bool_value: true,
  bytes_value: Buffer.from([0, 1, 2, 254, 255]),
  color: 'COLOR_BLUE',
  nested: { label: 'inner', count: 3, notes: ['a', 'b'] },
  strings: ['x', '', 'z'],
  int64_list: ['1', '-2', '9223372036854775807'],
  labels: { env: 'test', empty: '' },
  nested_by_id: { 1: { label: 'one' }, 7: { count: 7 } },
  choice_text: 'picked',
  timestamp: { seconds: '1700000000', nanos: 123456789 },
  duration: { seconds: '-3600', nanos: -500 },
  field_mask: { paths: ['nested.label', 'labels'] },
  // The well-known types come from protobufjs' bundled definitions, whose field names are camelCase even with keepCase.
  struct_value: {
    fields: {
      text: { stringValue: 'x' },
      number: { numberValue: 2.5 },
      flag: { boolValue: false },
      nothing: { nullValue: 'NULL_VALUE' },
      list: { listValue: { values: [{ stringValue: 'a' }, { numberValue: 1 }] } },
      object: { structValue: { fields: { deep: { boolValue: true } } } },
    },
  },
  any_value: { listValue: { values: [{ nullValue: 'NULL_VALUE' }, { stringValue: 'v' }] } },
  string_wrapper: { value: '' },
  int64_wrapper: { value: '-42' },
  optional_text: '',
};

/** A strait.tests.json.Everything with every kind of field, in the loader's object form (see FULL_REQUEST). */
const EVERYTHING = {
  scalars: {
    f_double: -0.1, f_float: 1.5, f_int32: -7, f_int64: '-9223372036854775808', f_uint64: '18446744073709551615',
    f_sint64: '-2', f_fixed64: '1', f_sfixed32: -3, f_bool: true, f_string: 'é中😀', f_bytes: Buffer.from([0, 255]), f_enum: 42,
  },
  repeateds: { r_double: [NaN, -Infinity], r_int64: ['1', '-1'], r_enum: ['COLOR_NEGATIVE', 7], u_sint32: [-1, 0], u_bool: [false] },
  optionals: { o_int32: 0, o_string: '', o_bytes: Buffer.alloc(0), o_enum: 'COLOR_UNSPECIFIED', o_null: 'NULL_VALUE' },
  nested: { value: 1, child: { name: 'c', children: [{}, { value: 2 }] } },
  oneofs: { choice_time: { seconds: '-62135596800', nanos: 1 }, other_double: 0, plain: 3 },
  maps: { string_string: { '': '', 10: 'ten', 2: 'two' }, int32_int32: { '-1': 0 }, bool_bool: { true: false }, string_enum: { e: 42 } },
  well_known: {
    any: { typeUrl: 'type.googleapis.com/strait.tests.json.Nested', value: Buffer.from([8, 1]) },
    struct: { fields: { list: { listValue: { values: [{ nullValue: 'NULL_VALUE' }, { numberValue: 2.5 }] } } } },
    empty: {},
    int64_wrapper: { value: '-5' },
    r_bytes_wrapper: [{}, { value: Buffer.from([1]) }],
  },
  names: { _leading: 1, __double: 2, camelCase: 3, trailing_: 4 },
};

function startServer(args = [], { stderr = 'inherit' } = {}) {
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js'), '--port', '0', ...args], {
    stdio: ['pipe', 'pipe', stderr],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const lines = readline.createInterface({ input: child.stdout });
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not print LISTENING in time')), STARTUP_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^LISTENING (\d+)$/.exec(line);
      return match ? resolve(Number(match[1])) : reject(new Error(`unexpected first line '${line}'`));
    });
    child.once('exit', () => reject(new Error('server exited before listening')));
  });
  const extraOutput = [];
  let lineCount = 0;
  lines.on('line', (line) => {
    if (lineCount++ > 0) {
      extraOutput.push(line);
    }
  });
  const errors = [];
  if (child.stderr) {
    readline.createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));
  }
  return { child, port, exited, extraOutput, lines, errors };
}

/** Writes a command line to the server's stdin and waits for the stdout line it answers with. */
function command(server, line, expected) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.lines.off('line', onLine);
      reject(new Error(`no '${expected}' after '${line}'`));
    }, STARTUP_TIMEOUT_MS);
    const onLine = (printed) => {
      if (printed === expected) {
        clearTimeout(timer);
        server.lines.off('line', onLine);
        resolve();
      }
    };
    server.lines.on('line', onLine);
    server.child.stdin.write(`${line}\n`);
  });
}

/** A unary call's outcome with its response headers, whether it succeeds or fails. */
function unaryWithHeaders(client, method, request, options = {}) {
  return new Promise((resolve) => {
    let headers = null;
    const call = client[method](request, new grpc.Metadata(), { deadline: Date.now() + 5000, ...options }, (error, response) => {
      resolve({ error, response, headers });
    });
    call.on('metadata', (metadata) => {
      headers = metadata;
    });
  });
}

/** Collects a Watch stream's statuses; `next(count)` waits until `count` have arrived. */
function watchHealth(client, service) {
  const statuses = [];
  const waiters = [];
  const call = client.Watch({ service });
  call.on('data', (response) => {
    statuses.push(response.status);
    for (const waiter of waiters.filter((w) => statuses.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve([...statuses]);
    }
  });
  call.on('error', () => {});
  const next = (count) => new Promise((resolve, reject) => {
    if (statuses.length >= count) {
      resolve([...statuses]);
      return;
    }
    waiters.push({ count, resolve });
    setTimeout(() => reject(new Error(`Watch got only ${JSON.stringify(statuses)}, expected ${count} statuses`)), STARTUP_TIMEOUT_MS).unref();
  });
  return { call, next };
}

async function expectExit(server, description) {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`server did not exit after ${description}`)), EXIT_TIMEOUT_MS).unref());
  const { code, signal } = await Promise.race([server.exited, timeout]);
  assert.equal(signal, null, `server was killed by ${signal} after ${description}`);
  assert.equal(code, 0, `server exited with ${code} after ${description}`);
}

function unary(client, method, request, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Calls a method with already-encoded bytes and returns the encoded response, bypassing proto-loader. */
function rawUnary(client, method, bytes) {
  const identity = (buffer) => buffer;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, identity, identity, bytes, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The bytes of field 1 (`request`) of an encoded EchoResponse, which proto-loader writes first. */
function requestField(response) {
  assert.equal(response[0], 0x0a, 'EchoResponse must start with field 1, length-delimited');
  let length = 0;
  let offset = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = response[offset++];
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      break;
    }
  }
  return response.subarray(offset, offset + length);
}

async function expectStatus(promise, code, details) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.code, code);
    if (details !== undefined) {
      assert.equal(error.details, details);
    }
    return true;
  });
}

function checks(echo, conformance, health, port) {
  return {
    'Echo returns every field kind unchanged': async () => {
      const response = await unary(echo, 'Echo', FULL_REQUEST);
      assert.deepEqual(response.request, FULL_REQUEST);
      const serialize = EchoService.service.Echo.requestSerialize;
      assert.deepEqual(serialize(response.request), serialize(FULL_REQUEST));
    },
    'Echo returns the request bytes unchanged': async () => {
      const sent = EchoService.service.Echo.requestSerialize(FULL_REQUEST);
      const received = await rawUnary(echo, '/strait.echo.v1.EchoService/Echo', sent);
      assert.deepEqual(requestField(received), sent);
    },
    'Echo keeps the other oneof member, unknown enum numbers and an empty request': async () => {
      assert.deepEqual((await unary(echo, 'Echo', { choice_number: 0 })).request, { choice_number: 0 });
      assert.deepEqual((await unary(echo, 'Echo', { color: 99 })).request, { color: 99 });
      assert.deepEqual((await unary(echo, 'Echo', {})).request, {});
    },
    'Echo reports the method and the ASCII metadata': async () => {
      const metadata = new grpc.Metadata();
      metadata.add('x-forwarded-test', 'one');
      metadata.add('x-forwarded-test', 'two');
      metadata.add('x-binary-bin', Buffer.from([1, 2, 3]));
      const response = await unary(echo, 'Echo', { id: 'm' }, metadata);
      assert.equal(response.peer_method, '/strait.echo.v1.EchoService/Echo');
      assert.equal(response.metadata['x-forwarded-test'], 'one, two');
      assert.equal(response.metadata['x-binary-bin'], undefined);
    },
    'ConformanceEcho re-encodes what it decoded, byte for byte': async () => {
      const sent = ConformanceEcho.service.Echo.requestSerialize(EVERYTHING);
      const received = await rawUnary(conformance, '/strait.conformance.v1.ConformanceEcho/Echo', sent);
      assert.deepEqual(received, sent);
    },
    'Fail responds with the requested status': async () => {
      await expectStatus(unary(echo, 'Fail', { code: 5, message: 'no such thing' }), grpc.status.NOT_FOUND, 'no such thing');
      await expectStatus(unary(echo, 'Fail', { code: 14, message: 'try later' }), grpc.status.UNAVAILABLE, 'try later');
    },
    'Fail with code 0 succeeds and an invalid code is INVALID_ARGUMENT': async () => {
      assert.deepEqual(await unary(echo, 'Fail', { code: 0 }), {});
      await expectStatus(unary(echo, 'Fail', { code: 17 }), grpc.status.INVALID_ARGUMENT);
    },
    'Health reports SERVING for the server and its services': async () => {
      assert.equal((await unary(health, 'Check', {})).status, 'SERVING');
      assert.equal((await unary(health, 'Check', { service: 'strait.echo.v1.EchoService' })).status, 'SERVING');
      assert.equal((await unary(health, 'Check', { service: 'strait.conformance.v1.ConformanceEcho' })).status, 'SERVING');
      await expectStatus(unary(health, 'Check', { service: 'no.such.Service' }), grpc.status.NOT_FOUND);
    },
    'Echo, Fail and Check replies carry x-replica-id node-echo-<port>, errors too': async () => {
      const expected = `node-echo-${port}`;
      const echoed = await unaryWithHeaders(echo, 'Echo', { id: 'r' });
      assert.equal(echoed.error, null);
      assert.deepEqual(echoed.headers.get('x-replica-id'), [expected]);
      assert.deepEqual(echoed.headers.get('x-server-version'), ['node-echo/1.0']);
      const failed = await unaryWithHeaders(echo, 'Fail', { code: 14, message: 'down' });
      assert.equal(failed.error.code, grpc.status.UNAVAILABLE);
      assert.deepEqual(failed.headers.get('x-replica-id'), [expected]);
      const unknown = await unaryWithHeaders(health, 'Check', { service: 'no.such.Service' });
      assert.equal(unknown.error.code, grpc.status.NOT_FOUND);
      assert.deepEqual(unknown.headers.get('x-replica-id'), [expected]);
    },
  };
}

/** Checks of a second server started with every flag, whose stdin takes health commands. */
function flagChecks(server, port) {
  const address = `127.0.0.2:${port}`;
  const echo = new EchoService(address, grpc.credentials.createInsecure());
  const health = new Health(address, grpc.credentials.createInsecure());
  return {
    checks: {
      '--host, --replica-id: the server answers on 127.0.0.2 with x-replica-id replica-b': async () => {
        const failed = await unaryWithHeaders(echo, 'Fail', { code: 5, message: 'gone' });
        assert.equal(failed.error.code, grpc.status.NOT_FOUND);
        assert.deepEqual(failed.headers.get('x-replica-id'), ['replica-b']);
      },
      '--latency-ms delays Echo, and a call cancelled meanwhile ends at its deadline': async () => {
        const started = Date.now();
        const echoed = await unaryWithHeaders(echo, 'Echo', { id: 'slow' });
        assert.equal(echoed.error, null);
        assert.ok(Date.now() - started >= 290, `Echo took ${Date.now() - started} ms`);
        assert.deepEqual(echoed.headers.get('x-replica-id'), ['replica-b']);
        const cut = await unaryWithHeaders(echo, 'Echo', { id: 'cut' }, { deadline: Date.now() + 50 });
        assert.equal(cut.error.code, grpc.status.DEADLINE_EXCEEDED);
      },
      'stdin health commands switch Check and Watch, and print HEALTH lines': async () => {
        const watcher = watchHealth(health, '');
        const unknownWatcher = watchHealth(health, 'no.such.Service');
        assert.deepEqual(await watcher.next(1), ['SERVING']);
        assert.deepEqual(await unknownWatcher.next(1), ['SERVICE_UNKNOWN']);
        await command(server, 'health not-serving', 'HEALTH NOT_SERVING');
        assert.equal((await unary(health, 'Check', {})).status, 'NOT_SERVING');
        assert.equal((await unary(health, 'Check', { service: 'strait.echo.v1.EchoService' })).status, 'NOT_SERVING');
        assert.deepEqual(await watcher.next(2), ['SERVING', 'NOT_SERVING']);
        await command(server, 'health not-serving', 'HEALTH NOT_SERVING');
        await command(server, 'health serving', 'HEALTH SERVING');
        assert.equal((await unary(health, 'Check', {})).status, 'SERVING');
        assert.deepEqual(await watcher.next(3), ['SERVING', 'NOT_SERVING', 'SERVING']);
        watcher.call.cancel();
      },
    },
    close: () => {
      echo.close();
      health.close();
    },
  };
}

async function run(name, check, results) {
  try {
    await check();
    results.passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    results.failed++;
    console.log(`not ok - ${name}\n${error.stack}`);
  }
}

async function main() {
  const results = { passed: 0, failed: 0 };
  const servers = [];
  try {
    const server = startServer();
    servers.push(server);
    const address = `127.0.0.1:${await server.port}`;
    const echo = new EchoService(address, grpc.credentials.createInsecure());
    const conformance = new ConformanceEcho(address, grpc.credentials.createInsecure());
    const health = new Health(address, grpc.credentials.createInsecure());
    for (const [name, check] of Object.entries(checks(echo, conformance, health, await server.port))) {
      await run(name, check, results);
    }
    echo.close();
    conformance.close();
    health.close();

    const flagged = startServer(['--host', '127.0.0.2', '--replica-id', 'replica-b', '--latency-ms', '300'], { stderr: 'pipe' });
    servers.push(flagged);
    const flaggedChecks = flagChecks(flagged, await flagged.port);
    for (const [name, check] of Object.entries(flaggedChecks.checks)) {
      await run(name, check, results);
    }

    await run('An unknown stdin command is reported on stderr and ignored; end of stdin stops a server with a Watch open', async () => {
      flagged.child.stdin.write('no such command\n');
      await command(flagged, 'health serving', 'HEALTH SERVING');
      assert.ok(flagged.errors.some((line) => line.includes("unknown command 'no such command'")), flagged.errors.join('\n'));
      flagged.child.stdin.end();
      await expectExit(flagged, 'stdin closed with a Watch open');
      assert.deepEqual(flagged.extraOutput, ['HEALTH NOT_SERVING', 'HEALTH NOT_SERVING', 'HEALTH SERVING', 'HEALTH SERVING']);
    }, results);
    flaggedChecks.close();

    await run('Server prints nothing but the LISTENING line and exits cleanly on SIGTERM', async () => {
      server.child.kill('SIGTERM');
      await expectExit(server, 'SIGTERM');
      assert.deepEqual(server.extraOutput, []);
    }, results);

    await run('Server exits cleanly on SIGINT', async () => {
      const interrupted = startServer();
      servers.push(interrupted);
      await interrupted.port;
      interrupted.child.kill('SIGINT');
      await expectExit(interrupted, 'SIGINT');
    }, results);

    await run('Server exits cleanly when its stdin closes', async () => {
      const orphan = startServer();
      servers.push(orphan);
      await orphan.port;
      orphan.child.stdin.end();
      await expectExit(orphan, 'stdin closed');
    }, results);
  } catch (error) {
    results.failed++;
    console.log(`not ok - setup\n${error.stack}`);
  } finally {
    for (const { child } of servers) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
  }

  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed === 0 ? 0 : 1;
}

main();
