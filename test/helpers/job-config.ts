import type { Command, Config, JobConfig, When } from '../../src/config/types.js';

/** A JobConfig with the loader's defaults, for unit tests that build jobs without a file. */
export function jobConfig(name: string, overrides: Partial<JobConfig> = {}): JobConfig {
  return {
    name,
    writtenName: name,
    exec: command('true'),
    env: {},
    when: { kind: 'startup' },
    restarts: 0,
    backoff: { delay: 500, factor: 2, limit: 30_000, resetAfter: 10_000 },
    stopSignal: 'SIGTERM',
    stopTimeout: 5000,
    notify: false,
    onExit: 'ignore',
    logging: { raw: false },
    tags: [],
    meta: {},
    interfaces: [],
    enableTagOverride: false,
    ...overrides,
  };
}

/** A shell command line as a Command. */
export function command(script: string): Command {
  return { argv: ['/bin/sh', '-c', script], display: script };
}

export function after(source: string, event: Extract<When, { kind: 'event' }>['event'], repeat: 'once' | 'each' = 'once'): When {
  return { kind: 'event', source, event, repeat };
}

/** A Config with the loader's defaults around `jobs`, for tests that run a Supervisor in-process. */
export function supervisorConfig(jobs: JobConfig[], overrides: Partial<Config> = {}): Config {
  return {
    file: '/test/pilotfish.json5',
    hash: jobs.map((job) => JSON.stringify(job)).join(),
    templateValues: [],
    jobs,
    watches: [],
    logging: { level: 'info', format: 'default', output: 'stdout' },
    control: { socket: '' },
    kubernetes: { enabled: false, tokenFile: '', caFile: '', events: false, readinessGate: false },
    stopTimeout: 5000,
    warnings: [],
    ...overrides,
  };
}
