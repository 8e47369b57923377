import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events/bus.js';
import type { SupervisorEvent } from '../../src/events/types.js';

const healthy = (source: string): SupervisorEvent => ({ kind: 'healthy', source });

test('every subscriber receives every event, in publish order', async () => {
  const bus = new EventBus();
  const seen: Record<string, string[]> = { a: [], b: [] };
  bus.subscribe('a', (event) => void seen.a?.push(event.source));
  bus.subscribe('b', (event) => void seen.b?.push(event.source));
  for (const source of ['x', 'y', 'z']) bus.publish(healthy(source));
  await bus.idle();
  assert.deepEqual(seen, { a: ['x', 'y', 'z'], b: ['x', 'y', 'z'] });
});

test('publish returns before any subscriber runs', () => {
  const bus = new EventBus();
  let ran = false;
  bus.subscribe('a', () => {
    ran = true;
  });
  bus.publish(healthy('x'));
  assert.equal(ran, false);
});

test('a slow subscriber delays nobody else (ContainerPilot #548/#590)', async () => {
  const bus = new EventBus();
  let releaseSlow!: () => void;
  const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
  const fast: string[] = [];
  const slow: string[] = [];
  bus.subscribe('slow', async (event) => {
    await slowGate;
    slow.push(event.source);
  });
  bus.subscribe('fast', (event) => void fast.push(event.source));
  bus.publish(healthy('1'));
  bus.publish(healthy('2'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(fast, ['1', '2']);
  assert.deepEqual(slow, []);
  assert.equal(bus.isIdle(), false);
  releaseSlow();
  await bus.idle();
  assert.deepEqual(slow, ['1', '2']);
});

test('idle can wait for some subscribers only: a stuck one elsewhere does not hold it up', async () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribe('stuck', () => new Promise<void>(() => undefined));
  const fast = bus.subscribe('fast', async (event) => {
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(event.source);
  });
  bus.publish(healthy('1'));
  bus.publish(healthy('2'));
  await bus.idle([fast]);
  assert.deepEqual(seen, ['1', '2']);
  assert.equal(bus.isIdle(), false);
});

test('a subscriber handles its events one at a time', async () => {
  const bus = new EventBus();
  let concurrent = 0;
  let maxConcurrent = 0;
  bus.subscribe('a', async () => {
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await new Promise((resolve) => setTimeout(resolve, 5));
    concurrent -= 1;
  });
  for (let i = 0; i < 5; i += 1) bus.publish(healthy(String(i)));
  await bus.idle();
  assert.equal(maxConcurrent, 1);
});

test('a throwing subscriber is reported and keeps receiving events', async () => {
  const errors: string[] = [];
  const bus = new EventBus((name, error) => errors.push(`${name}: ${(error as Error).message}`));
  const seen: string[] = [];
  bus.subscribe('flaky', (event) => {
    seen.push(event.source);
    if (event.source === 'boom') throw new Error('bad handler');
  });
  bus.publish(healthy('boom'));
  bus.publish(healthy('after'));
  await bus.idle();
  assert.deepEqual(seen, ['boom', 'after']);
  assert.deepEqual(errors, ['flaky: bad handler']);
});

test('events published from a handler are delivered too, and idle waits for them', async () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribe('chain', (event) => {
    seen.push(event.source);
    if (event.source === 'first') bus.publish(healthy('second'));
  });
  bus.publish(healthy('first'));
  await bus.idle();
  assert.deepEqual(seen, ['first', 'second']);
});

test('an unsubscribed handler receives nothing more', async () => {
  const bus = new EventBus();
  const seen: string[] = [];
  const subscription = bus.subscribe('a', (event) => void seen.push(event.source));
  bus.publish(healthy('1'));
  await bus.idle();
  subscription.unsubscribe();
  bus.publish(healthy('2'));
  await bus.idle();
  assert.deepEqual(seen, ['1']);
});

test('recent keeps the last events for debugging', () => {
  const bus = new EventBus();
  for (let i = 0; i < 150; i += 1) bus.publish(healthy(String(i)));
  assert.equal(bus.recent.length, 100);
  assert.equal(bus.recent.at(-1)?.source, '149');
});

test('held events wait for release, then go to the subscribers of that moment, after the one sent ahead', async () => {
  const bus = new EventBus();
  const early: string[] = [];
  bus.subscribe('early', (event) => void early.push(event.source));
  bus.hold();
  bus.publish(healthy('x'));
  bus.publish(healthy('y'));
  await bus.idle();
  assert.deepEqual(early, [], 'nothing is delivered while held');
  const late: string[] = [];
  bus.subscribe('late', (event) => void late.push(event.source));
  bus.release(healthy('first'));
  await bus.idle();
  assert.deepEqual(late, ['first', 'x', 'y']);
  assert.deepEqual(early, ['first', 'x', 'y']);
  bus.publish(healthy('z'));
  await bus.idle();
  assert.deepEqual(late, ['first', 'x', 'y', 'z'], 'once released, events flow as before');
});
