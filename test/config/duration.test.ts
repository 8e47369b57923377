import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it('reads Go duration strings into milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('1.1s'), 1_100);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('.5m'), 30_000);
    assert.equal(parseDuration('250us'), 0.25);
    assert.equal(parseDuration('250µs'), 0.25);
    assert.equal(parseDuration('1500000ns'), 1.5);
    assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  });

  it('reads numbers and integer strings as seconds, as ContainerPilot does', () => {
    assert.equal(parseDuration(10), 10_000);
    assert.equal(parseDuration(1.5), 1_500);
    assert.equal(parseDuration('10'), 10_000);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration('0'), 0);
  });

  it('returns negative durations as such, for the caller to judge', () => {
    assert.equal(parseDuration('-5s'), -5_000);
    assert.equal(parseDuration(-1), -1_000);
  });

  it('rejects anything else', () => {
    for (const bad of ['fast', '', '10 s', '1.5', 's', '10sec', '1d', 'ms10', '--1s', '1e3s']) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
    assert.equal(parseDuration(Infinity), undefined);
    assert.equal(parseDuration(NaN), undefined);
  });
});

describe('formatDuration', () => {
  it('uses the largest unit that is exact', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(1_500), '1500ms');
    assert.equal(formatDuration(30_000), '30s');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(120_000), '2m');
    assert.equal(formatDuration(7_200_000), '2h');
    assert.equal(formatDuration(-5_000), '-5s');
  });
});
