// Where pilotfish's own arguments end and the app's command begins (`pilotfish -- CMD ARGS…`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCommand, splitAtCommand } from '../../src/cli/command-after-dashes.js';

test('without `--` every argument is pilotfish\'s own', () => {
  assert.deepEqual(splitAtCommand(['run', '--config', 'x.json5']), { own: ['run', '--config', 'x.json5'] });
  assert.deepEqual(splitAtCommand([]), { own: [] });
});

test('everything after the first `--` is the command, word for word, options and later `--` included', () => {
  assert.deepEqual(splitAtCommand(['--', 'node', 'server.js']), { own: [], commandLine: ['node', 'server.js'] });
  assert.deepEqual(splitAtCommand(['run', '-c', 'f', '--', '-app', '--config', 'y', '--', 'a b', '']), {
    own: ['run', '-c', 'f'],
    commandLine: ['-app', '--config', 'y', '--', 'a b', ''],
  });
});

test('`--` with nothing after it is no command to run', () => {
  const { commandLine } = splitAtCommand(['--']);
  assert.deepEqual(commandLine, []);
  assert.equal(isCommand(commandLine), false);
  assert.equal(isCommand(undefined), false);
  assert.equal(isCommand(['true']), true);
});
