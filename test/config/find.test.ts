import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfigPath } from '../../src/config/find.js';

describe('resolveConfigPath', () => {
  const env = { PILOTFISH_CONFIG: '/etc/pilotfish.yaml', CONTAINERPILOT: '/etc/containerpilot.json5' };

  it('prefers --config, then $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5', () => {
    assert.equal(resolveConfigPath('/flag.json5', env), '/flag.json5');
    assert.equal(resolveConfigPath(undefined, env), '/etc/pilotfish.yaml');
    assert.equal(resolveConfigPath(undefined, { CONTAINERPILOT: env.CONTAINERPILOT }), '/etc/containerpilot.json5');
    assert.equal(resolveConfigPath(undefined, {}), './pilotfish.json5');
  });

  it('treats empty values as unset', () => {
    assert.equal(resolveConfigPath('', { PILOTFISH_CONFIG: '', CONTAINERPILOT: '/cp.json5' }), '/cp.json5');
  });
});
