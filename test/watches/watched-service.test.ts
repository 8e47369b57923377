// ContainerPilot's rule for what a watch reports: a change of the healthy instances' number,
// addresses or ports, followed by healthy or unhealthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SupervisorEvent } from '../../src/events/types.js';
import { blockingWaitMs } from '../../src/discovery/component.js';
import { WatchedService, instancesChanged } from '../../src/watches/watched-service.js';

const a = { id: 'a', address: '10.0.0.1', port: 80 };
const b = { id: 'b', address: '10.0.0.2', port: 80 };

test('a different number of instances is a change', () => {
  assert.equal(instancesChanged([a], [a, b]), true);
  assert.equal(instancesChanged([a, b], []), true);
});

test('a different address or port, compared in service-ID order, is a change', () => {
  assert.equal(instancesChanged([a, b], [b, a]), false);
  assert.equal(instancesChanged([a, b], [a, { ...b, port: 81 }]), true);
  assert.equal(instancesChanged([a], [{ ...a, address: '10.0.0.9' }]), true);
});

test('the same instances are no change', () => {
  assert.equal(instancesChanged([], []), false);
  assert.equal(instancesChanged([a], [{ ...a }]), false);
});

function watched() {
  const events: string[] = [];
  const watch = new WatchedService({ name: 'db', interval: 5000 }, (event: SupervisorEvent) => events.push(`${event.source} ${event.kind}`));
  return { watch, events };
}

test('the first answer with no instance publishes nothing', () => {
  const { watch, events } = watched();
  watch.update([]);
  assert.deepEqual(events, []);
  assert.equal(watch.status().state, 'watching');
});

test('a change publishes changed, then healthy or unhealthy, from watch.<name>', () => {
  const { watch, events } = watched();
  watch.update([a]);
  watch.update([a]);
  watch.update([]);
  assert.deepEqual(events, ['watch.db changed', 'watch.db healthy', 'watch.db changed', 'watch.db unhealthy']);
});

test('the interval bounds how long one blocking query waits, within Consul\'s limits', () => {
  assert.equal(blockingWaitMs({ name: 'db', interval: 5000 }), 5000);
  assert.equal(blockingWaitMs({ name: 'db', interval: 3_600_000 }), 600_000);
});
