// Which labels of its pod the Autopilot gets, and which of its own it keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COPIED_LABELS_ANNOTATION, labelPatch } from '../../src/k8s/pod-labels.js';

const autopilot = (labels: Record<string, string>, copied?: string) => ({
  metadata: { labels, ...(copied === undefined ? {} : { annotations: { [COPIED_LABELS_ANNOTATION]: copied } }) },
});

describe("the Autopilot's labels from its pod's", () => {
  it("sets the pod's labels and lists them as copied, keeping pilotfish's own managed-by", () => {
    const patch = labelPatch({ app: 'web', 'app.kubernetes.io/managed-by': 'helm' }, autopilot({ 'app.kubernetes.io/managed-by': 'pilotfish' }));
    assert.deepEqual(patch, { metadata: { labels: { app: 'web' }, annotations: { [COPIED_LABELS_ANNOTATION]: 'app' } } });
  });

  it('writes nothing when the Autopilot has them already', () => {
    assert.equal(labelPatch({ app: 'web', tier: 'front' }, autopilot({ app: 'web', tier: 'front', owner: 'ops' }, 'app,tier')), undefined);
  });

  it('removes a label the pod dropped only if it was copied, and never an operator\'s own', () => {
    const patch = labelPatch({ app: 'web' }, autopilot({ app: 'web', tier: 'front', owner: 'ops' }, 'app,tier'));
    assert.deepEqual(patch, { metadata: { labels: { tier: null }, annotations: { [COPIED_LABELS_ANNOTATION]: 'app' } } });
  });

  it("takes the pod's value for a key the pod has", () => {
    assert.deepEqual(labelPatch({ app: 'canary' }, autopilot({ app: 'web' }, 'app')), { metadata: { labels: { app: 'canary' } } });
  });
});
