// The Autopilot carries its pod's labels, so that operators pick Autopilots as they pick pods
// (`kubectl get ap -l app=web -o name | xargs kubectl patch …`). The labels are read from the pod
// itself through `pods/status` — the read the readiness gate makes, which returns the whole pod —
// and read again at every resync, because labels change on a running pod (`kubectl label pod`).
// The downward API's labels file would need no read, but only in pods whose spec mounts it:
// forgetting the volume would leave fleet steering silently broken, so the API it is.
// The write merges: the pod's labels are set, an operator's own labels on the Autopilot are left
// alone, and a label the pod no longer has is removed only if pilotfish copied it (the copied keys
// are listed in an annotation, so that a restarted pilotfish knows them too).
import type { KubeApi } from './api.js';
import { MANAGED_BY_LABEL } from './autopilot-object.js';
import { GROUP, PLURAL, autopilotPath, podPath, type PodIdentity } from './resource.js';

export const COPIED_LABELS_ANNOTATION = `${GROUP}/pod-labels`;

export interface LabelledObject {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

type LabelPatch = { metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string> } };

/**
 * The merge patch that gives `autopilot` the pod's labels, or undefined when it has them already.
 * Labels pilotfish sets itself keep pilotfish's value.
 */
export function labelPatch(podLabels: Readonly<Record<string, string>>, autopilot: LabelledObject): LabelPatch | undefined {
  const wanted = Object.entries(podLabels).filter(([key]) => key !== MANAGED_BY_LABEL);
  const current = autopilot.metadata.labels ?? {};
  const labels: Record<string, string | null> = {};
  for (const [key, value] of wanted) if (current[key] !== value) labels[key] = value;
  const copiedBefore = (autopilot.metadata.annotations?.[COPIED_LABELS_ANNOTATION] ?? '').split(',').filter((key) => key !== '');
  for (const key of copiedBefore) if (!(key in podLabels) && key in current) labels[key] = null;
  const copied = wanted.map(([key]) => key).sort().join(',');
  const annotationStale = copied !== (autopilot.metadata.annotations?.[COPIED_LABELS_ANNOTATION] ?? '');
  if (Object.keys(labels).length === 0 && !annotationStale) return undefined;
  return { metadata: { labels, ...(annotationStale ? { annotations: { [COPIED_LABELS_ANNOTATION]: copied } } : {}) } };
}

export class PodLabels {
  /** `cached`: the Autopilot as the informer last saw it, which saves reading it. */
  constructor(
    private readonly api: KubeApi,
    private readonly pod: PodIdentity,
    private readonly cached: () => LabelledObject | undefined,
  ) {}

  /** Reads the pod, and patches the Autopilot's labels if they differ; throws what the API server refused. */
  async sync(): Promise<'written' | 'unchanged'> {
    const pod = await this.api.request<LabelledObject>({ method: 'GET', path: `${podPath(this.pod)}/status`, verb: 'get', resource: 'pods/status' });
    const path = autopilotPath(this.pod.namespace, this.pod.name);
    const autopilot = this.cached() ?? (await this.api.request<LabelledObject>({ method: 'GET', path, verb: 'get', resource: PLURAL }));
    const patch = labelPatch(pod.metadata.labels ?? {}, autopilot);
    if (!patch) return 'unchanged';
    await this.api.request({ method: 'PATCH', path, verb: 'patch', resource: PLURAL, body: patch });
    return 'written';
  }
}
