// A real Consul agent for tests: `consul agent -dev` on free loopback ports, built by
// test/peers/build.sh (never a stand-in). `-dev` keeps nothing on disk, so restart() gives an
// agent that has lost every registration, on the same ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePorts, peerBinary } from './peers.js';
import { waitFor } from './wait.js';

export interface ConsulAgentOptions {
  /** Turns ACLs on (default deny) with this token as the initial management token. */
  managementToken?: string;
  /** Also serves HTTPS (on `httpsPort`) with these PEM files, requiring client certificates. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

export interface AgentService {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
  EnableTagOverride: boolean;
}

export interface AgentCheck {
  CheckID: string;
  Name: string;
  Notes: string;
  Status: string;
  Output: string;
  ServiceID: string;
}

export class ConsulAgent {
  private child: ChildProcess | undefined;
  private output: string[] = [];

  private constructor(
    readonly httpPort: number,
    readonly httpsPort: number,
    private readonly ports: { serfLan: number; serfWan: number; server: number },
    private readonly options: ConsulAgentOptions,
  ) {}

  static async start(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
    const agent = await ConsulAgent.reserve(options);
    await agent.launch();
    return agent;
  }

  /** An agent with its ports chosen but not running yet (launch() starts it). */
  static async reserve(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
    peerBinary('consul');
    const [http, https, serfLan, serfWan, server] = (await freePorts(5)) as [number, number, number, number, number];
    return new ConsulAgent(http, https, { serfLan, serfWan, server }, options);
  }

  /** For the config's `consul` key. */
  get address(): string {
    return `127.0.0.1:${this.httpPort}`;
  }

  /** Starts it (again) on the same ports and waits until it has elected itself leader. */
  async launch(): Promise<void> {
    const acl = this.options.managementToken
      ? ['-hcl', `acl { enabled = true default_policy = "deny" tokens { initial_management = "${this.options.managementToken}" } }`]
      : [];
    const tls = this.options.tls
      ? [
          '-hcl', `ports { https = ${this.httpsPort} }`,
          '-hcl', `tls { defaults { ca_file = "${this.options.tls.caFile}" cert_file = "${this.options.tls.certFile}" key_file = "${this.options.tls.keyFile}" verify_incoming = true } }`,
        ]
      : [];
    this.output = [];
    const child = spawn(
      peerBinary('consul'),
      [
        'agent', '-dev', '-bind=127.0.0.1', '-client=127.0.0.1', '-node=t', '-log-level=warn',
        `-http-port=${this.httpPort}`, '-dns-port=-1', '-grpc-port=-1', '-grpc-tls-port=-1',
        `-serf-lan-port=${this.ports.serfLan}`, `-serf-wan-port=${this.ports.serfWan}`, `-server-port=${this.ports.server}`,
        ...acl,
        ...tls,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => this.output.push(chunk));
    this.child = child;
    // It answers "" while electing itself: only a non-empty leader means it takes writes.
    const output = () => this.output.join('').slice(-4000);
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the Consul agent exited (${child.exitCode ?? child.signalCode}) before it had a leader:\n${output()}`);
        return (await this.get('/v1/status/leader').catch(() => '""')) !== '""';
      },
      () => `a Consul leader; agent output:\n${output()}`,
      20_000,
      100,
    );
  }

  /** Kills it hard (no graceful leave), as a crashed agent. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  stop(): Promise<void> {
    return this.kill();
  }

  /** GET on the agent's HTTP API; throws on a non-2xx answer. */
  async get(path: string): Promise<string> {
    const response = await fetch(`http://${this.address}${path}`, { headers: this.headers() });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
    return text;
  }

  async put(path: string, body?: unknown): Promise<void> {
    const response = await fetch(`http://${this.address}${path}`, { method: 'PUT', headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  }

  /** The service's instances whose checks all pass, as watches see them. */
  async passing(service: string): Promise<AgentService[]> {
    const entries = JSON.parse(await this.get(`/v1/health/service/${service}?passing`)) as { Service: AgentService }[];
    return entries.map((entry) => entry.Service);
  }

  /** The agent's own checks, by check ID (reflects writes immediately). */
  async checks(): Promise<Record<string, AgentCheck>> {
    return JSON.parse(await this.get('/v1/agent/checks')) as Record<string, AgentCheck>;
  }

  /** The agent's own services, by service ID. */
  async services(): Promise<Record<string, AgentService>> {
    return JSON.parse(await this.get('/v1/agent/services')) as Record<string, AgentService>;
  }

  private headers(): Record<string, string> {
    return this.options.managementToken ? { 'X-Consul-Token': this.options.managementToken } : {};
  }
}
