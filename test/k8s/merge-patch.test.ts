// The merge patch a status write sends: applied by RFC 7386's rules to any version of the target
// it was computed against, it leaves exactly the desired value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replacingPatch } from '../../src/k8s/merge-patch.js';

/** RFC 7386's MergePatch(target, patch). */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

const desired = { maintenance: false, discovery: { state: 'Registered', services: [{ name: 'web' }] }, jobs: [{ name: 'web', pid: 42 }] };

describe('the merge patch of a status write', () => {
  it('nulls the nested keys an earlier version has and the desired status lacks, and sets the rest', () => {
    const earlier = { maintenance: true, discovery: { state: 'Unreachable', message: 'connect ECONNREFUSED 127.0.0.1:8500', services: [] }, jobs: [{ name: 'web', pid: 7, lastExit: { code: 1 } }] };
    assert.deepEqual(replacingPatch(desired, [earlier]), { ...desired, discovery: { state: 'Registered', message: null, services: [{ name: 'web' }] } });
    assert.deepEqual(applyMergePatch(earlier, replacingPatch(desired, [earlier])), desired);
  });

  it('removes the keys of every version seen, whichever the server holds', () => {
    const answered = { discovery: { state: 'Unreachable', message: 'connect ECONNREFUSED' } };
    const watched = { discovery: { state: 'Unreachable', location: 'http://consul:8500', edited: { by: 'hand' } }, handEdited: 1 };
    const patch = replacingPatch(desired, [answered, watched]);
    for (const target of [answered, watched, {}]) assert.deepEqual(applyMergePatch(target, patch), desired);
  });

  it('takes a key whose value is undefined as absent, since JSON leaves it out', () => {
    assert.deepEqual(replacingPatch({ state: 'Disabled', message: undefined }, [{ state: 'Unreachable', message: 'down' }]), { state: 'Disabled', message: null });
  });

  it('is the desired status itself when nothing was seen before', () => {
    assert.deepEqual(replacingPatch(desired, [undefined]), desired);
  });
});
