// Building blocks for discovery tests: a job whose health check a test flips from outside, the
// service ID pilotfish gives it, and an in-process supervisor wired as `pilotfish run` wires it.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load.js';
import { attachConsulDiscovery } from '../../src/discovery/attach.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { PilotfishRun } from './pilotfish.js';
import { ProcessTable } from '../../src/process/process-table.js';

/** A health check that passes while the switch is on, prints what the test last said, and can hang. */
export class HealthSwitch {
  readonly dir = mkdtempSync(join(tmpdir(), 'pilotfish-health-'));

  constructor() {
    this.unhealthy('');
  }

  /**
   * The check command, for a config. It reads verdict and words from one file, opened once, and
   * the switch replaces that file whole (rename): a check never sees the new words with the old
   * verdict, which would be a spurious transition for a test counting them.
   */
  get command(): string {
    return `sh -c 'exec <${this.dir}/state; read verdict; cat; test -f ${this.dir}/hang && sleep 30; test $verdict = healthy'`;
  }

  healthy(say: string): this {
    return this.set('healthy', say);
  }

  /** From the next check on, checks hang (until their timeout). */
  hang(): this {
    writeFileSync(join(this.dir, 'hang'), '');
    return this;
  }

  unhealthy(say: string): this {
    return this.set('unhealthy', say);
  }

  private set(verdict: 'healthy' | 'unhealthy', say: string): this {
    const next = join(this.dir, 'state.next');
    writeFileSync(next, `${verdict}\n${say}`);
    renameSync(next, join(this.dir, 'state'));
    return this;
  }
}

export interface ServiceJobOptions {
  exec?: string;
  port?: number;
  /** Health-check interval. */
  interval?: string;
  /** Health-check timeout. */
  timeout?: string;
  ttl?: string;
  /** More JSON5 keys for the job. */
  extra?: string;
}

/** A JSON5 job advertised on 127.0.0.1 (port 8080 unless told) whose health follows `health`. */
export function serviceJob(name: string, health: HealthSwitch, { exec = 'sleep 60', port = 8080, interval = '200ms', timeout = '3s', ttl = '2s', extra = '' }: ServiceJobOptions = {}): string {
  return `{
    name: "${name}", exec: "${exec}", port: ${port}, interfaces: ["static:127.0.0.1"],
    // A generous timeout: a loaded test machine must not turn a slow check into a failure.
    health: { exec: "${health.command}", interval: "${interval}", timeout: "${timeout}", ttl: "${ttl}" },
    ${extra}
  }`;
}

export function serviceId(name: string): string {
  return `${name}-${hostname()}`;
}

export async function stopRun(run: PilotfishRun): Promise<void> {
  run.signal('SIGTERM');
  await run.exited;
}

/** A supervisor with discovery attached, started in this process (for what the CLI cannot show yet). */
export async function startSupervisor(configText: string, log: Logger = silentLogger): Promise<Supervisor> {
  const config = loadConfigText(configText, join(tmpdir(), 'in-process.json5'), process.env);
  const supervisor = new Supervisor({ config, log, env: process.env, processes: new ProcessTable(), loadConfig: () => config });
  attachConsulDiscovery(supervisor, log, process.env);
  await supervisor.start();
  return supervisor;
}
