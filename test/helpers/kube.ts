// A real Kubernetes API server for tests: etcd and kube-apiserver, built by test/peers/build.sh
// and run as controller-runtime's envtest runs them, on free loopback ports, with an admin token
// and RBAC enforced. No controller-manager: no garbage collection, no namespace deletion — tests
// use a fresh namespace each and check ownerReferences by content. The API server can be stopped
// and started again on the same port, with etcd (and so every object) kept.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, peerBinary } from './peers.js';
import { waitFor } from './wait.js';

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

const START_TIMEOUT_MS = 60_000;

export class KubeCluster {
  readonly adminToken = randomBytes(16).toString('hex');
  private etcd: ChildProcess | undefined;
  private apiServer: ChildProcess | undefined;
  private apiServerOutput: string[] = [];

  private constructor(
    private readonly dir: string,
    private readonly ports: { etcdClient: number; etcdPeer: number; apiServer: number },
  ) {}

  static async start(): Promise<KubeCluster> {
    // Fail with the build hint before anything is started.
    peerBinary('etcd');
    peerBinary('kube-apiserver');
    const [etcdClient, etcdPeer, apiServer] = (await freePorts(3)) as [number, number, number];
    const cluster = new KubeCluster(mkdtempSync(join(tmpdir(), 'pilotfish-kube-')), { etcdClient, etcdPeer, apiServer });
    try {
      await cluster.startEtcd();
      cluster.writeCredentials();
      await cluster.startApiServer();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get server(): string {
    return `https://127.0.0.1:${this.ports.apiServer}`;
  }

  /** The API server's self-signed serving certificate, which is also its own CA. */
  get caFile(): string {
    return join(this.dir, 'certs', 'apiserver.crt');
  }

  /** Writes `text` to a file in the cluster's directory (tokens for the bridge, configs). */
  writeFile(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /**
   * Replaces the static tokens the API server accepts besides the admin's: `user` is who the
   * token authenticates as (`system:serviceaccount:NS:SA` is bound like that service account).
   * The API server reads the file at start: restart it for the change to apply.
   */
  setStaticTokens(tokens: Array<{ token: string; user: string }>): void {
    const lines = [`${this.adminToken},test-admin,test-admin-uid,"system:masters"`, ...tokens.map(({ token, user }) => `${token},${user},${user}`)];
    writeFileSync(join(this.dir, 'tokens.csv'), `${lines.join('\n')}\n`);
  }

  async restartApiServer(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  /** The sum of a counter of the API server's /metrics over the series whose labels include all of `labels`. */
  async counter(name: string, labels: Record<string, string>): Promise<number> {
    const text = String((await this.must('GET', '/metrics')) ?? '');
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label)))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  async startApiServer(): Promise<void> {
    const { dir, ports } = this;
    this.apiServerOutput = [];
    const child = spawn(
      peerBinary('kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
        '--etcd-prefix=/registry',
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.apiServer}`,
        '--advertise-address=127.0.0.1',
        `--cert-dir=${join(dir, 'certs')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        `--service-account-issuer=https://127.0.0.1:${ports.apiServer}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--endpoint-reconciler-type=none',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => this.apiServerOutput.push(chunk));
    this.apiServer = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`kube-apiserver exited with code ${child.exitCode}:\n${this.apiServerOutput.join('').slice(-4000)}`);
        return (await this.request('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200;
      },
      `kube-apiserver's /readyz; its output:\n${this.apiServerOutput.join('').slice(-4000)}`,
      START_TIMEOUT_MS,
      200,
    );
  }

  async stopApiServer(): Promise<void> {
    await stopProcess(this.apiServer);
    this.apiServer = undefined;
  }

  async stop(): Promise<void> {
    await stopProcess(this.apiServer);
    await stopProcess(this.etcd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A request to the API server, as the admin unless another bearer token is given. */
  request<T = any>(method: string, path: string, body?: unknown, options: { token?: string; contentType?: string } = {}): Promise<ApiAnswer<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        `${this.server}${path}`,
        {
          method,
          ca: readFileSync(this.caFile),
          headers: {
            Authorization: `Bearer ${options.token ?? this.adminToken}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json' }),
          },
          timeout: 10_000,
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Plain text (/readyz answers "ok").
            }
            resolve({ status: response.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      request.on('error', reject);
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.end(payload);
    });
  }

  /** Like request, but throws unless the answer is 2xx. */
  async must<T = any>(method: string, path: string, body?: unknown, options: { token?: string; contentType?: string } = {}): Promise<T> {
    const answer = await this.request<T>(method, path, body, options);
    if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Creates (or applies over) each object with server-side apply, as `kubectl apply --server-side` would. */
  async apply(objects: Array<Record<string, any>>): Promise<void> {
    for (const object of objects) {
      await this.must('PATCH', `${pathOf(object)}?fieldManager=pilotfish-tests&force=true&fieldValidation=Strict`, object, { contentType: 'application/apply-patch+yaml' });
    }
  }

  async createNamespace(prefix = 'pf'): Promise<string> {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    await this.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  /**
   * A Pod object (never scheduled: there is no scheduler or kubelet) to own Autopilots and carry
   * Events; `readinessGates` are condition types its readiness waits for.
   */
  async createPod(namespace: string, name: string, readinessGates: string[] = []): Promise<{ name: string; uid: string }> {
    const gates = readinessGates.map((conditionType) => ({ conditionType }));
    const pod = await this.must('POST', `/api/v1/namespaces/${namespace}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }], ...(gates.length > 0 ? { readinessGates: gates } : {}) },
    });
    return { name, uid: pod.metadata.uid as string };
  }

  /** A token of the service account, from the TokenRequest API (no token controller needed). */
  async serviceAccountToken(namespace: string, serviceAccount: string): Promise<string> {
    const review = await this.must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    return review.status.token as string;
  }

  /** Runs kubectl (built beside the API server, same version) as the admin; throws on a non-zero exit. */
  kubectl(...args: string[]): string {
    const kubeconfig = this.writeFile('kubeconfig', this.kubeconfig());
    const result = spawnSync(peerBinary('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.error?.message ?? ''}`);
    return result.stdout;
  }

  private kubeconfig(): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: this.server, 'certificate-authority': this.caFile } }],
      users: [{ name: 'admin', user: { token: this.adminToken } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
      'current-context': 'test',
    });
  }

  private async startEtcd(): Promise<void> {
    const { etcdClient, etcdPeer } = this.ports;
    const output: string[] = [];
    const child = spawn(
      peerBinary('etcd'),
      [
        '--name=t',
        `--data-dir=${join(this.dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=t=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    this.etcd = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited with code ${child.exitCode}:\n${output.join('').slice(-4000)}`);
        const response = await fetch(`http://127.0.0.1:${etcdClient}/health`).catch(() => undefined);
        return response?.ok;
      },
      'etcd /health',
      START_TIMEOUT_MS,
      100,
    );
  }

  private writeCredentials(): void {
    mkdirSync(join(this.dir, 'certs'), { recursive: true });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    this.setStaticTokens([]);
  }
}

/** The REST path of an object, for the kinds the tests apply (plural = lowercase kind + s). */
function pathOf(object: Record<string, any>): string {
  const { apiVersion, kind, metadata } = object as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const namespace = metadata.namespace ? `/namespaces/${metadata.namespace}` : '';
  return `${base}${namespace}/${kind.toLowerCase()}s/${metadata.name}`;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}
