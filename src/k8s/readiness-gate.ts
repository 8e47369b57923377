// The pod condition `pilotfish.dev/ready`, for pods whose spec lists it in `readinessGates`: the
// kubelet then counts the pod ready, and Services route to it, only while pilotfish's own Ready
// verdict (the one /readyz answers) passes. Written through `pods/status` with a strategic merge
// patch, which merges conditions by type and leaves the kubelet's alone. Whether the pod has the
// gate is read once, with the condition an earlier pilotfish in this pod may have written.
import type { Verdict } from '../supervisor/readiness.js';
import type { KubeApi } from './api.js';
import { kubeTime } from './conditions.js';
import { podPath, type PodIdentity } from './resource.js';

export const READINESS_GATE = 'pilotfish.dev/ready';

const MESSAGE_LIMIT = 1024;

export interface PodCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

interface PodStatusRead {
  spec?: { readinessGates?: Array<{ conditionType?: string }> };
  status?: { conditions?: PodCondition[] };
}

export interface ReadinessInput {
  verdict: Verdict;
  maintenance: boolean;
  shuttingDown: boolean;
}

/** The condition for a verdict; `lastTransitionTime` moves only when the status flips. */
export function gateCondition({ verdict, maintenance, shuttingDown }: ReadinessInput, previous: PodCondition | undefined, now: Date): PodCondition {
  const status = verdict.ok ? 'True' : 'False';
  const reason = verdict.ok ? 'Ready' : shuttingDown ? 'ShuttingDown' : maintenance ? 'Maintenance' : 'JobsNotReady';
  const message = verdict.ok ? 'every job passes pilotfish\'s readiness verdict' : verdict.reasons.join('; ').slice(0, MESSAGE_LIMIT);
  const lastTransitionTime = previous && previous.status === status ? previous.lastTransitionTime : kubeTime(now);
  return { type: READINESS_GATE, status, reason, message, lastTransitionTime };
}

export type GateWrite = 'written' | 'unchanged' | 'notGated';

export class ReadinessGate {
  /** undefined until the pod has been read. */
  private gated: boolean | undefined;
  private current: PodCondition | undefined;
  private lastWritten: string | undefined;

  /** `enabled` false (`kubernetes.readinessGate: false`): as for a pod without the gate, never read. */
  constructor(
    private readonly api: KubeApi,
    private readonly pod: PodIdentity,
    enabled = true,
  ) {
    if (!enabled) this.gated = false;
  }

  /** Whether the pod lists the gate; undefined until known. */
  get wanted(): boolean | undefined {
    return this.gated;
  }

  /** Throws what the API server refused. */
  async sync(input: ReadinessInput, forced: boolean, now = new Date()): Promise<GateWrite> {
    if (this.gated === undefined) await this.readPod();
    if (!this.gated) return 'notGated';
    const next = gateCondition(input, this.current, now);
    const serialized = JSON.stringify(next);
    if (!forced && serialized === this.lastWritten) return 'unchanged';
    this.lastWritten = undefined;
    await this.api.request({
      method: 'PATCH',
      path: `${podPath(this.pod)}/status`,
      verb: 'patch',
      resource: 'pods/status',
      patchType: 'strategic',
      body: { status: { conditions: [next] } },
    });
    this.current = next;
    this.lastWritten = serialized;
    return 'written';
  }

  private async readPod(): Promise<void> {
    const pod = await this.api.request<PodStatusRead>({ method: 'GET', path: `${podPath(this.pod)}/status`, verb: 'get', resource: 'pods/status' });
    this.gated = (pod.spec?.readinessGates ?? []).some((gate) => gate.conditionType === READINESS_GATE);
    this.current = pod.status?.conditions?.find((condition) => condition.type === READINESS_GATE);
  }
}
