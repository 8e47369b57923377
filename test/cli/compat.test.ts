import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateContainerPilotArgs } from '../../src/cli/compat.js';

test("ContainerPilot's -config flag becomes --config", () => {
  assert.deepEqual(translateContainerPilotArgs(['-config', '/etc/cp.json5']), ['--config', '/etc/cp.json5']);
  assert.deepEqual(translateContainerPilotArgs(['-config=/etc/cp.json5']), ['--config', '/etc/cp.json5']);
});

test('-template and -out render the config', () => {
  assert.deepEqual(translateContainerPilotArgs(['-config', 'a.json5', '-template', '-out', 'b.json5']), ['template', '--config', 'a.json5', '--out', 'b.json5']);
});

test('-version is the version command', () => {
  assert.deepEqual(translateContainerPilotArgs(['-version']), ['version']);
});

test('pilotfish arguments pass through untouched', () => {
  assert.deepEqual(translateContainerPilotArgs(['run', '--config', 'x.json5']), ['run', '--config', 'x.json5']);
});
