// The environment of the hooks a watch triggers: the watch's name and healthy endpoints, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WATCH_ADDRESSES_BYTES, jobEnvironment, watchAddresses, watchNameOf } from '../../src/supervisor/environment.js';

const input = { base: { PATH: '/usr/bin' }, overlay: {}, supervisorPid: 1, runningPids: new Map(), serviceAddresses: new Map(), jobEnv: {} };

test('a hook started by a watch gets its name, its endpoints as host:port and their count', () => {
  const endpoints = [
    { id: 'a', address: '10.0.0.1', port: 8080 },
    { id: 'b', address: 'fd00::2', port: 8080 },
  ];
  const env = jobEnvironment({ ...input, watch: { name: 'backend', endpoints } });
  assert.equal(env.PILOTFISH_WATCH_NAME, 'backend');
  assert.equal(env.PILOTFISH_WATCH_ADDRESSES, '10.0.0.1:8080,[fd00::2]:8080');
  assert.equal(env.PILOTFISH_WATCH_COUNT, '2');
});

test('other jobs get no watch variables, not even inherited ones', () => {
  const env = jobEnvironment({ ...input, base: { PILOTFISH_WATCH_NAME: 'outer', PILOTFISH_WATCH_ADDRESSES: '1.2.3.4:1' } });
  assert.equal(env.PILOTFISH_WATCH_NAME, undefined);
  assert.equal(env.PILOTFISH_WATCH_ADDRESSES, undefined);
});

test('the addresses stop at a whole entry within the bound; the count stays the full one', () => {
  const endpoints = Array.from({ length: 5000 }, (_, i) => ({ id: String(i), address: `10.${i >> 8}.${i & 255}.1`, port: 65535 }));
  const text = watchAddresses(endpoints);
  assert.ok(Buffer.byteLength(text) <= MAX_WATCH_ADDRESSES_BYTES);
  const entries = text.split(',');
  assert.ok(entries.length > 1000 && entries.length < 5000, `${entries.length} entries`);
  assert.deepEqual(entries, endpoints.slice(0, entries.length).map(({ address, port }) => `${address}:${port}`));
  assert.equal(jobEnvironment({ ...input, watch: { name: 'big', endpoints } }).PILOTFISH_WATCH_COUNT, '5000');
});

test('the watch a job hangs on is read from its when', () => {
  assert.equal(watchNameOf({ kind: 'event', source: 'watch.backend', event: 'changed', repeat: 'each' }), 'backend');
  assert.equal(watchNameOf({ kind: 'event', source: 'backend', event: 'healthy', repeat: 'once' }), undefined);
  assert.equal(watchNameOf({ kind: 'startup' }), undefined);
});
