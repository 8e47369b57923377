import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, editDistance } from '../../src/config/hint.js';

describe('closestMatch', () => {
  it('suggests the candidate a typo most likely meant', () => {
    assert.equal(closestMatch('restart', ['restarts', 'timeout', 'health']), 'restarts');
    assert.equal(closestMatch('tll', ['interval', 'ttl', 'tcp', 'timeout']), 'ttl');
    assert.equal(closestMatch('intreval', ['interval', 'timeout']), 'interval');
    assert.equal(closestMatch('Helthy', ['healthy', 'unhealthy']), 'healthy');
  });

  it('suggests nothing when no candidate is close', () => {
    assert.equal(closestMatch('abc', ['restarts', 'ttl']), undefined);
    assert.equal(closestMatch('zzzzzz', ['name', 'exec']), undefined);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions', () => {
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('abc', 'abd'), 1);
    assert.equal(editDistance('abc', 'ab'), 1);
    assert.equal(editDistance('abc', 'acb'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});
