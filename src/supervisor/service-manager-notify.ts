// pilotfish as a systemd `Type=notify` service (or under anything else that sets NOTIFY_SOCKET for
// it): `READY=1` once the jobs that start at startup have started and the readiness verdict that
// /readyz answers passes, `STATUS=` lines as that verdict changes, `STOPPING=1` when shutdown
// begins. The messages follow sd_notify(3): one datagram of `KEY=value` lines to the socket,
// whose name starting with `@` means Linux's abstract namespace.
//
// Node cannot send on a unix datagram socket (node:dgram is UDP only), so koffi (already loaded
// for PID 1 reaping) makes the calls. The socket is non-blocking: a service manager that does not
// read loses a message rather than stalling PID 1. The inherited NOTIFY_SOCKET is pilotfish's own:
// jobs never get it (see environment.ts), only their own when they ask for `notify`.
import { endianness } from 'node:os';
import type { JobConfig } from '../config/types.js';
import type { ServiceManagerStatus } from '../contracts/components.js';
import type { Subscription } from '../events/bus.js';
import { GLOBAL_SOURCE, type SupervisorEvent } from '../events/types.js';
import type { Logger } from '../logging/logger.js';
import { AF_UNIX, SUN_PATH_BYTES, loadLibc } from '../process/libc.js';
import { systemErrorName } from '../util/errors.js';
import { readiness } from './readiness.js';
import type { ReportingComponent, Supervisor, SupervisorSnapshot } from './supervisor.js';

const MSG_NOSIGNAL = 0x4000;
/** A STATUS line is for a human glancing at `systemctl status`: long reason lists are cut. */
const MAX_STATUS_CHARS = 400;

export interface DatagramSender {
  send(message: string): void;
  close(): void;
}

/**
 * Opens a non-blocking unix datagram socket that sends to `target` (a path, or `@name` for the
 * abstract namespace). Throws when the name cannot be a unix socket address or the socket cannot
 * be created; send failures are given to `onError` and the message is dropped.
 */
export async function openNotifySocket(target: string, onError: (error: Error) => void): Promise<DatagramSender> {
  const address = socketAddress(target);
  const libc = await loadLibc();
  const fd = libc.datagramSocket();
  if (fd < 0) throw new Error(`socket for NOTIFY_SOCKET ${target}: ${systemErrorName(-libc.errno())}`);
  let open = true;
  return {
    send(message) {
      if (!open) return;
      const payload = Buffer.from(message);
      if (libc.sendto(fd, payload, payload.length, MSG_NOSIGNAL, address) < 0) {
        onError(new Error(`cannot notify ${target}: ${systemErrorName(-libc.errno())}`));
      }
    },
    close() {
      if (!open) return;
      open = false;
      libc.close(fd);
    },
  };
}

/** sockaddr_un as bytes: the family, then the path NUL-terminated, or `@name` as NUL + name. */
export function socketAddress(target: string): Buffer {
  const abstract = target.startsWith('@');
  if (!abstract && !target.startsWith('/')) throw new Error(`NOTIFY_SOCKET must be an absolute path or an @abstract name, not "${target}"`);
  const name = abstract ? Buffer.concat([Buffer.from([0]), Buffer.from(target.slice(1))]) : Buffer.concat([Buffer.from(target), Buffer.from([0])]);
  if (name.length > SUN_PATH_BYTES) throw new Error(`NOTIFY_SOCKET is longer than a unix socket address allows: ${target}`);
  const family = Buffer.alloc(2);
  if (endianness() === 'LE') family.writeUInt16LE(AF_UNIX);
  else family.writeUInt16BE(AF_UNIX);
  return Buffer.concat([family, name]);
}

/**
 * What the service manager is told, from a snapshot: whether pilotfish is ready and one status
 * line. Ready needs the jobs that start at startup to have left `idle`/`starting` (the verdict
 * alone passes for a job without checks that has not spawned yet) and /readyz's verdict to pass.
 */
export function serviceState(snapshot: SupervisorSnapshot, jobs: readonly JobConfig[]): { ready: boolean; status: string } {
  if (snapshot.shuttingDown) return { ready: false, status: 'shutting down' };
  const startsAtStartup = new Set(jobs.filter((job) => job.when.kind !== 'event').map((job) => job.name));
  const launching = snapshot.jobs.filter((job) => startsAtStartup.has(job.name) && (job.state === 'idle' || job.state === 'starting')).map((job) => `${job.name} is starting`);
  const verdict = readiness(snapshot, jobs);
  const reasons = [...launching, ...verdict.reasons];
  if (reasons.length === 0) return { ready: true, status: `ready: ${snapshot.jobs.length} job(s) in good standing` };
  const text = `not ready: ${reasons.join('; ')}`;
  return { ready: false, status: text.length > MAX_STATUS_CHARS ? `${text.slice(0, MAX_STATUS_CHARS - 1)}…` : text };
}

export interface ServiceManagerNotifierOptions {
  supervisor: Supervisor;
  log: Logger;
  /** The NOTIFY_SOCKET pilotfish was started with. */
  socket: string;
}

export class ServiceManagerNotifier implements ReportingComponent<'serviceManager'> {
  readonly name = 'serviceManager';
  private sender: DatagramSender | undefined;
  private subscription: Subscription | undefined;
  private started = false;
  private readySent = false;
  private stoppingSent = false;
  private lastStatus: string | undefined;
  private failed = false;

  constructor(private readonly options: ServiceManagerNotifierOptions) {}

  async start(): Promise<void> {
    const { log, socket, supervisor } = this.options;
    try {
      this.sender = await openNotifySocket(socket, (error) => this.reportFailure(error));
    } catch (error) {
      log.warn(`not notifying the service manager: ${(error as Error).message}`);
      return;
    }
    log.debug(`notifying the service manager on ${socket}`);
    this.subscription = supervisor.bus.subscribe(this.name, (event) => this.observe(event));
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.sender?.close();
  }

  status(): ServiceManagerStatus {
    return { socket: this.options.socket, ready: this.readySent, stopping: this.stoppingSent };
  }

  private observe(event: SupervisorEvent): void {
    if (event.kind === 'checkResult' || this.stoppingSent) return;
    if (event.source === GLOBAL_SOURCE && event.kind === 'shutdown') {
      this.stoppingSent = true;
      this.sender?.send('STOPPING=1\nSTATUS=shutting down');
      return;
    }
    if (event.source === GLOBAL_SOURCE && event.kind === 'startup') this.started = true;
    if (!this.started) return;
    const { supervisor } = this.options;
    const state = serviceState(supervisor.snapshot(), supervisor.currentConfig.jobs);
    const lines: string[] = [];
    if (state.ready && !this.readySent) lines.push('READY=1');
    if (state.status !== this.lastStatus) lines.push(`STATUS=${state.status}`);
    if (lines.length === 0) return;
    this.readySent ||= state.ready;
    this.lastStatus = state.status;
    this.sender?.send(lines.join('\n'));
  }

  /** One line per run: a service manager that went away must not fill the log. */
  private reportFailure(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.options.log.warn(`${error.message} (further failures are not logged)`);
  }
}
