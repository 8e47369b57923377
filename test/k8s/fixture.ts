// What the bridge's tests against a real API server share: a namespace per test with the
// generated service account, Role and RoleBinding, a Pod, a supervisor with the bridge attached,
// and reads of the resulting Autopilot. Each test file starts its own cluster.
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { KubeApi } from '../../src/k8s/api.js';
import { attachConsulDiscovery } from '../../src/discovery/attach.js';
import { KubernetesBridge, type BridgeTiming } from '../../src/k8s/bridge.js';
import { EndpointWatches } from '../../src/k8s/endpoint-watches.js';
import { TokenFile } from '../../src/k8s/token.js';
import { customResourceDefinition, manifests } from '../../src/k8s/manifests.js';
import { READINESS_GATE } from '../../src/k8s/readiness-gate.js';
import { autopilotPath } from '../../src/k8s/resource.js';
import { resolveSettings } from '../../src/k8s/settings.js';
import { silentLogger } from '../../src/logging/logger.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { HealthSwitch } from '../helpers/discovery.js';
import { KubeCluster } from '../helpers/kube.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';
import { ProcessTable } from '../../src/process/process-table.js';

/** The defaults' shape, faster: tests wait for seconds, not minutes. */
export const FAST: BridgeTiming = {
  status: { debounceMs: 50, minIntervalMs: 200, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 1_000 }, patient: { initialMs: 2_000, maxMs: 2_000 } },
  events: { debounceMs: 300, minIntervalMs: 300, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 1_000 }, patient: { initialMs: 2_000, maxMs: 2_000 } },
  labels: { debounceMs: 0, minIntervalMs: 200, resyncMs: 1_000, backoff: { initialMs: 100, maxMs: 1_000 }, patient: { initialMs: 2_000, maxMs: 2_000 } },
  eventSeriesMs: 1_000,
  requestTimeoutMs: 10_000,
  forbiddenGraceMs: 1_000,
  finalWriteMs: 3_000,
  probe: { intervalMs: 200, timeoutMs: 1_000 },
  catchUpSpreadMs: 200,
  informer: { backoff: { initialMs: 100, maxMs: 1_000 }, patient: { initialMs: 2_000, maxMs: 2_000 }, watchTimeoutSeconds: 60, watchGraceMs: 5_000 },
};

export interface PodSetup {
  namespace: string;
  pod: { name: string; uid: string };
  tokenFile: string;
}

export type Condition = { status: string; reason: string; message: string; lastTransitionTime: string };

export function condition(object: any, type: string): Condition | undefined {
  return object?.status?.conditions?.find((each: { type: string }) => each.type === type);
}

/** The bridge's warnings and errors. */
export function problems(lines: string[]): string[] {
  return lines.filter((line) => line.startsWith('ERROR') || line.startsWith('WARN'));
}

export const webJob = (health: HealthSwitch) => `{ name: "web", exec: "sleep 600", health: { exec: "${health.command}", interval: "200ms", timeout: "3s" } }`;

export class BridgeFixture {
  private constructor(readonly cluster: KubeCluster) {}

  /** A cluster with the Autopilot CRD installed and served. */
  static async start(): Promise<BridgeFixture> {
    const cluster = await KubeCluster.start();
    await cluster.apply([customResourceDefinition()]);
    await waitFor(async () => (await cluster.request('GET', autopilotPath('default'))).status === 200, 'the Autopilot API to be served', 20_000, 100);
    return new BridgeFixture(cluster);
  }

  /**
   * A namespace with the generated service account, Role and RoleBinding, a Pod, and a token of that
   * service account. `withoutRule` leaves out the Role's rule for that resource; `readinessGate`
   * gives the pod the readiness gate `pilotfish.dev/ready`.
   */
  async podWithServiceAccount(podName = 'web-0', withoutRule?: string, { readinessGate = false } = {}): Promise<PodSetup> {
    const namespace = await this.cluster.createNamespace();
    const [, serviceAccount, role, binding] = manifests({ namespace, serviceAccount: 'pilotfish' }) as Array<Record<string, any>>;
    if (withoutRule) role!.rules = role!.rules.filter((rule: { resources: string[] }) => !rule.resources.includes(withoutRule));
    await this.cluster.apply([serviceAccount!, role!, binding!]);
    const pod = await this.cluster.createPod(namespace, podName, readinessGate ? [READINESS_GATE] : []);
    const tokenFile = this.cluster.writeFile(`token-${namespace}`, await this.cluster.serviceAccountToken(namespace, 'pilotfish'));
    return { namespace, pod, tokenFile };
  }

  kubernetesBlock({ namespace, tokenFile }: PodSetup, apiServer = this.cluster.server): string {
    return `kubernetes: { enabled: true, apiServer: "${apiServer}", tokenFile: "${tokenFile}", caFile: "${this.cluster.caFile}", namespace: "${namespace}" }`;
  }

  /**
   * A supervisor running `jobs` with the bridge attached, in this process (so timing and counters
   * are reachable); `lines` are the bridge's log. A reload reads `reloadConfig(config)`: by default
   * the same config. `watches` (the config's list, as text) also runs the watches on Kubernetes
   * Services, with the informer's FAST timing. With `consul` (an agent's address), Consul
   * discovery is attached too.
   */
  async supervise(
    setup: PodSetup,
    jobs: string,
    options: { timing?: BridgeTiming; apiServer?: string; reloadConfig?: (config: Config) => Config; watches?: string; consul?: string } = {},
  ) {
    const { log, lines } = recordingLogger();
    const env = { ...process.env, ...downwardApi(setup) };
    const watches = options.watches === undefined ? '' : `, watches: ${options.watches}`;
    const consul = options.consul === undefined ? '' : `consul: "${options.consul}", `;
    const config = loadConfigText(`{ ${this.kubernetesBlock(setup, options.apiServer)}, ${consul}jobs: [${jobs}]${watches} }`, '/tmp/bridge-test.json5', env);
    const reloadConfig = options.reloadConfig ?? ((same: Config) => same);
    const supervisor = new Supervisor({ config, log: silentLogger, env, processes: new ProcessTable(), loadConfig: () => reloadConfig(config) });
    if (options.consul !== undefined) attachConsulDiscovery(supervisor, silentLogger, env);
    const bridge = new KubernetesBridge({ observed: supervisor, settings: resolveSettings(config.kubernetes, env), log, version: '9.9.9-test', timing: options.timing ?? FAST });
    supervisor.attach(bridge);
    if (options.watches !== undefined) {
      const api = new KubeApi({ server: this.cluster.server, ca: readFileSync(this.cluster.caFile, 'utf8'), token: new TokenFile(setup.tokenFile), timeoutMs: 10_000, log });
      const timing = { ...FAST.informer, forbiddenGraceMs: FAST.forbiddenGraceMs };
      supervisor.attach(new EndpointWatches({ api, host: supervisor, namespace: setup.namespace, log, timing, problems: bridge.problems }));
    }
    await supervisor.start();
    return {
      supervisor,
      bridge,
      lines,
      async stop() {
        await supervisor.shutdown({ kind: 'request' });
        await supervisor.done;
      },
    };
  }

  async autopilot(setup: PodSetup): Promise<any> {
    const answer = await this.cluster.request('GET', autopilotPath(setup.namespace, setup.pod.name));
    return answer.status === 200 ? answer.body : undefined;
  }

  /** Waits until the Autopilot's Ready condition is `status` (and `reason`), and returns the object. */
  async waitForReady(setup: PodSetup, status: 'True' | 'False', reason?: string, timeoutMs = 15_000): Promise<any> {
    return this.waitForCondition(setup, 'Ready', status, reason, timeoutMs);
  }

  /** The Autopilot once its condition of that type has that status (and reason). */
  async waitForCondition(setup: PodSetup, type: string, status: 'True' | 'False', reason?: string, timeoutMs = 15_000): Promise<any> {
    return waitFor(
      async () => {
        const object = await this.autopilot(setup);
        const found = condition(object, type);
        return found?.status === status && (reason === undefined || found.reason === reason) && object;
      },
      `${type}=${status}${reason ? ` (${reason})` : ''}`,
      timeoutMs,
      100,
    );
  }

  async pod(setup: PodSetup): Promise<any> {
    return this.cluster.must('GET', `/api/v1/namespaces/${setup.namespace}/pods/${setup.pod.name}`);
  }

  /** Waits until the pod's readiness gate condition is `status` (and `reason`), and returns the pod. */
  async waitForGate(setup: PodSetup, status: 'True' | 'False', reason?: string, timeoutMs = 15_000): Promise<any> {
    return waitFor(
      async () => {
        const pod = await this.pod(setup);
        const found = condition(pod, READINESS_GATE);
        return found?.status === status && (reason === undefined || found.reason === reason) && pod;
      },
      `${READINESS_GATE}=${status}${reason ? ` (${reason})` : ''}`,
      timeoutMs,
      100,
    );
  }

  stop(): Promise<void> {
    return this.cluster.stop();
  }
}

export function downwardApi({ namespace, pod }: PodSetup): NodeJS.ProcessEnv {
  return { POD_NAME: pod.name, POD_NAMESPACE: namespace, POD_UID: pod.uid, NODE_NAME: 'node-a' };
}
