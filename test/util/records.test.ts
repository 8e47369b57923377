// Records compared as data: what decides whether a reload restarts a job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameData } from '../../src/util/records.js';

test("objects are equal whatever their keys' order, at any depth", () => {
  assert.equal(sameData({ env: { A: '1', B: '2' }, name: 'app' }, { name: 'app', env: { B: '2', A: '1' } }), true);
  assert.equal(sameData({ health: { probe: { type: 'tcp', port: 80 } } }, { health: { probe: { port: 80, type: 'tcp' } } }), true);
});

test('arrays stay order-sensitive: argv and ports in another order are another definition', () => {
  assert.equal(sameData({ argv: ['a', 'b'] }, { argv: ['b', 'a'] }), false);
  assert.equal(sameData({ argv: ['a'] }, { argv: ['a', 'b'] }), false);
  assert.equal(sameData([1, [2, 3]], [1, [2, 3]]), true);
});

test('a changed, added or removed value is a difference; a key holding undefined counts as absent', () => {
  assert.equal(sameData({ env: { A: '1' } }, { env: { A: '2' } }), false);
  assert.equal(sameData({ env: { A: '1' } }, { env: { A: '1', B: '2' } }), false);
  assert.equal(sameData({ env: { A: '1', B: '2' } }, { env: { A: '1' } }), false);
  assert.equal(sameData({ cwd: undefined, name: 'app' }, { name: 'app' }), true);
  assert.equal(sameData({ restarts: Infinity }, { restarts: Infinity }), true);
  assert.equal(sameData({ list: [] }, { list: {} }), false);
  assert.equal(sameData({ port: 1 }, { port: '1' }), false);
  assert.equal(sameData(null, {}), false);
});
