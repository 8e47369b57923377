// The pod's Autopilot object: created with the pod's name and namespace, owned by the pod (by
// UID, so a same-named successor pod does not inherit it), and taken over, its spec reset, when an
// earlier pod of the same name left one behind. Its status is written whole, by merge patch, with no
// resourceVersion: there is one writer, so last-writer-wins is right and never conflicts. The
// patch removes what pilotfish does not set (a stale error, a hand-edited key), as far as the
// versions of the object seen last show it.
import { KubeApiError, type KubeApi } from './api.js';
import type { Regarding } from './event-recorder.js';
import { replacingPatch } from './merge-patch.js';
import { API_VERSION, KIND, PLURAL, autopilotPath, type AutopilotSpec, type AutopilotStatus, type PodIdentity } from './resource.js';

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface StoredAutopilot {
  metadata: { uid?: string; ownerReferences?: OwnerReference[] };
  spec?: AutopilotSpec;
  status?: unknown;
}

/** Marks the Autopilots pilotfish created; the pod's labels never override it (./pod-labels.ts). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export type EnsureResult = 'created' | 'adopted' | 'tookOver';

export class AutopilotObject {
  private uid: string | undefined;
  /**
   * The status as the API server answered this pilotfish's last request, and as the watch last
   * delivered it: either may be the later (hand edits come through the watch only, a watch event
   * may trail a write's answer), so a status write removes the keys of both that it lacks.
   */
  private readonly lastStatus: { answered?: unknown; watched?: unknown } = {};

  constructor(
    private readonly api: KubeApi,
    private readonly pod: PodIdentity,
  ) {}

  /** Makes sure the object exists and is this pod's. */
  async ensure(): Promise<EnsureResult> {
    try {
      const created = { method: 'POST', path: autopilotPath(this.pod.namespace), verb: 'create', resource: PLURAL, body: this.manifest() } as const;
      this.observe(await this.api.request<StoredAutopilot>(created));
      return 'created';
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    }
    const existing = await this.api.request<StoredAutopilot>({ method: 'GET', path: this.path(), verb: 'get', resource: PLURAL });
    if (this.isOwnedByThisPod(existing)) {
      // This pod's, from before pilotfish restarted: what operators asked stays; only the pod's
      // own names are put back if they were edited by hand.
      const spec = this.spec();
      const namesRight = existing.spec?.podName === spec.podName && existing.spec.nodeName === spec.nodeName;
      this.observe(namesRight ? existing : await this.patch({ spec: { podName: spec.podName, nodeName: spec.nodeName ?? null } }));
      return 'adopted';
    }
    // An earlier pod's: make it ours, with a fresh spec (what operators asked of that pod, a stopped
    // job or maintenance, is not this pod's). Its status is overwritten by the next status write.
    this.observe(await this.patch({ metadata: { ownerReferences: this.ownerReferences() ?? null }, spec: replacingPatch(this.spec(), [existing.spec]) }));
    return 'tookOver';
  }

  private patch(body: object): Promise<StoredAutopilot> {
    return this.api.request<StoredAutopilot>({ method: 'PATCH', path: this.path(), verb: 'patch', resource: PLURAL, body });
  }

  async writeStatus(status: AutopilotStatus): Promise<void> {
    const body = { status: replacingPatch(status, [this.lastStatus.answered, this.lastStatus.watched]) };
    const patch = { method: 'PATCH', path: `${this.path()}/status`, verb: 'patch', resource: `${PLURAL}/status`, body } as const;
    this.observe(await this.api.request<StoredAutopilot>(patch));
  }

  /** The object as the watch delivered it. */
  watched(object: StoredAutopilot): void {
    this.lastStatus.watched = object.status;
  }

  /** The object, for Events about it; undefined until it has been created or found. */
  reference(): Regarding | undefined {
    return this.uid ? { apiVersion: API_VERSION, kind: KIND, name: this.pod.name, uid: this.uid } : undefined;
  }

  private path(): string {
    return autopilotPath(this.pod.namespace, this.pod.name);
  }

  private manifest(): object {
    const ownerReferences = this.ownerReferences();
    return {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: {
        name: this.pod.name,
        namespace: this.pod.namespace,
        labels: { [MANAGED_BY_LABEL]: 'pilotfish' },
        ...(ownerReferences ? { ownerReferences } : {}),
      },
      spec: this.spec(),
    };
  }

  private spec(): AutopilotSpec {
    return { podName: this.pod.name, ...(this.pod.nodeName ? { nodeName: this.pod.nodeName } : {}) };
  }

  /**
   * The pod, by UID, so the object is garbage-collected with it. No `blockOwnerDeletion`: setting
   * it needs update on pods/finalizers, and nothing should wait on this object anyway.
   */
  private ownerReferences(): OwnerReference[] | undefined {
    return this.pod.uid ? [{ apiVersion: 'v1', kind: 'Pod', name: this.pod.name, uid: this.pod.uid }] : undefined;
  }

  /** Without the pod's UID, only its node tells it from an earlier pod of the same name. */
  private isOwnedByThisPod(existing: StoredAutopilot): boolean {
    const owners = existing.metadata.ownerReferences ?? [];
    if (!this.pod.uid) return owners.length === 0 && existing.spec?.nodeName === this.pod.nodeName;
    return owners.length === 1 && owners[0]?.kind === 'Pod' && owners[0].uid === this.pod.uid;
  }

  private observe(object: StoredAutopilot): void {
    this.uid = object.metadata.uid ?? this.uid;
    this.lastStatus.answered = object.status;
  }
}
