// Durations beyond Node's timer limit (2^31−1 ms) made timers fire at once: `timeout: "720h"`
// killed a job after 1 ms. Every duration key refuses more than MAX_DURATION, naming file, path and line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DURATION, MAX_TIMER_DELAY } from '../../src/config/duration.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigText } from '../../src/config/load.js';
import { shutdownDeadline } from '../../src/supervisor/supervisor.js';

const FILE = 'app.json5';

/** Every key that takes a duration, as a document with the value at line 2 and the path to expect. */
const DURATION_KEYS: { path: string; document: (value: string) => string }[] = [
  { path: 'stopTimeout', document: (v) => `{\n  stopTimeout: ${v},\n}` },
  ...['timeout', 'stopTimeout'].map((key) => ({ path: `jobs[0].${key}`, document: (v: string) => `{ jobs: [{ name: "a", exec: "true",\n  ${key}: ${v} }] }` })),
  ...['interval', 'timeout'].map((key) => ({
    path: `jobs[0].when.${key}`,
    document: (v: string) => `{ jobs: [{ name: "a", exec: "true", when: { source: "b", once: "exitSuccess",\n  ${key}: ${v} } }, { name: "b", exec: "true" }] }`.replace(key === 'interval' ? 'source: "b", once: "exitSuccess",' : '', ''),
  })),
  ...['delay', 'limit', 'resetAfter'].map((key) => ({ path: `jobs[0].backoff.${key}`, document: (v: string) => `{ jobs: [{ name: "a", exec: "true", backoff: {${key === 'delay' ? ' limit: "480h",' : ''}\n  ${key}: ${v} } }] }` })),
  ...['interval', 'ttl', 'timeout'].map((key) => ({
    path: `jobs[0].health.${key}`,
    document: (v: string) => `{ jobs: [{ name: "a", exec: "true", health: { exec: "true", ${key === 'interval' ? '' : 'interval: 1, '}\n  ${key}: ${v} } }] }`,
  })),
  { path: 'jobs[0].consul.deregisterCriticalServiceAfter', document: (v) => `{ jobs: [{ name: "a", exec: "true", consul: {\n  deregisterCriticalServiceAfter: ${v} } }] }` },
  { path: 'watches[0].interval', document: (v) => `{ watches: [{ name: "db",\n  interval: ${v} }] }` },
];

function issueOf(text: string): string {
  try {
    loadConfigText(text, FILE, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  return assert.fail(`accepted:\n${text}`);
}

describe('duration limit', () => {
  it('stays below the timer limit even with 10 % restart jitter', () => {
    assert.ok(MAX_DURATION * 1.1 <= MAX_TIMER_DELAY);
  });

  for (const { path, document } of DURATION_KEYS) {
    it(`${path} refuses "720h" and huge numbers, and accepts the maximum`, () => {
      assert.match(issueOf(document('"720h"')), new RegExp(`^${FILE}:2:3: ${path.replace(/[.[\]]/g, '\\$&')}: must be at most 480h \\(20 days\\), got 720h$`));
      assert.match(issueOf(document('1e308')), /: must be at most 480h \(20 days\), got an unbounded duration$/);
      assert.match(issueOf(document('"2147484s"')), /got 2147484s$/);
      assert.doesNotThrow(() => loadConfigText(document('"480h"'), FILE, {}));
    });
  }

  it('keeps the shutdown deadline a timer can wait for, however many long stop timeouts add up', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => `{ name: "j${i}", exec: "true", stopTimeout: "480h" }`).join(', ');
    const config = loadConfigText(`{ stopTimeout: "480h", jobs: [${jobs}] }`, FILE, {});
    assert.equal(shutdownDeadline(config), MAX_TIMER_DELAY);
  });
});
