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

test("ContainerPilot's client flags become the client verbs", () => {
  assert.deepEqual(translateContainerPilotArgs(['-config', 'a.json5', '-reload']), ['reload', '--config', 'a.json5']);
  assert.deepEqual(translateContainerPilotArgs(['-ping']), ['ping']);
  assert.deepEqual(translateContainerPilotArgs(['-maintenance', 'enable']), ['maintenance', 'on']);
  // ContainerPilot: any value other than "enable" disables.
  assert.deepEqual(translateContainerPilotArgs(['-maintenance=disable']), ['maintenance', 'off']);
  assert.deepEqual(translateContainerPilotArgs(['-maintenance', 'whatever']), ['maintenance', 'off']);
});

test('repeated -putenv and -putmetric gather into one verb, values split on the first =', () => {
  assert.deepEqual(translateContainerPilotArgs(['-putenv', 'A=1', '-putenv=B=x=y']), ['env', 'set', 'A=1', 'B=x=y']);
  assert.deepEqual(translateContainerPilotArgs(['-putmetric', 'a=1', '-putmetric', 'b=2']), ['metric', '--ignore-unknown', 'a=1', 'b=2']);
});
