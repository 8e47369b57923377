// Rules about the document as a whole: watch names are unique (job names may repeat, as in
// ContainerPilot: see identity.ts), `main` names a job that exists, and no jobs wait on each
// other's events in a cycle (none of them could ever start); a `when.source` that names nothing is
// warned of. Sources name jobs as written; `main` names a job's identity. Paths are in schema spelling.
import { envName } from './env-name.js';
import type { DocumentIssue } from './errors.js';
import { didYouMean } from './messages.js';
import { HOOKABLE_SIGNALS, type Config } from './types.js';

export function checkReferences(config: Config): DocumentIssue[] {
  return [
    ...duplicateWatches(config.watches),
    ...collidingEnvNames(config),
    ...unknownMain(config),
    ...cycles(config),
  ];
}

function duplicateWatches(watches: readonly { name: string }[]): DocumentIssue[] {
  const firstIndex = new Map<string, number>();
  return watches.flatMap(({ name }, index) => {
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, index);
      return [];
    }
    const message = `duplicate name ${JSON.stringify(name)}, already used by watches[${first}]`;
    return [{ path: ['watches', index, 'name'], message }];
  });
}

/** `a-b` and `a_b` would both be CONTAINERPILOT_A_B_PID: every process would see one job's pid under both names. */
function collidingEnvNames(config: Config): DocumentIssue[] {
  const firstIndex = new Map<string, number>();
  return config.jobs.flatMap(({ writtenName: name }, index) => {
    const variable = `CONTAINERPILOT_${envName(name)}_PID`;
    const first = firstIndex.get(variable);
    if (first === undefined) {
      firstIndex.set(variable, index);
      return [];
    }
    const other = config.jobs[first]?.writtenName;
    // Jobs of one name share the variable knowingly, as in ContainerPilot (the loader warns of them).
    if (other === name) return [];
    const message = `${JSON.stringify(name)} and ${JSON.stringify(other)} (jobs[${first}]) would both set ${variable}; rename one`;
    return [{ path: ['jobs', index, 'name'], message }];
  });
}

/**
 * Warnings, not errors: a job waiting on a source that does not exist never starts, as in
 * ContainerPilot, whose configs wrap a job in `{{ if .CONSUL_AGENT }}` and leave hooks on it.
 */
export function unknownSources(config: Config): DocumentIssue[] {
  const known = new Set([
    ...config.jobs.map((job) => job.writtenName),
    ...config.watches.map((watch) => `watch.${watch.name}`),
    'global',
    ...HOOKABLE_SIGNALS,
  ]);
  return config.jobs.flatMap((job, index) => {
    if (job.when.kind !== 'event' || known.has(job.when.source)) return [];
    const { source } = job.when;
    const path = ['jobs', index, 'when', 'source'];
    if (source.startsWith(WATCH_PREFIX)) {
      const watch = source.slice(WATCH_PREFIX.length);
      const watches = config.watches.map(({ name }) => name);
      return [{ path, message: `there is no watch named ${JSON.stringify(watch)}${didYouMean(watch, watches, 'value')} (a "watch.<name>" source names one of \`watches\`): this job never starts` }];
    }
    return [
      {
        path,
        message:
          `unknown event source ${JSON.stringify(source)}${didYouMean(source, known, 'value')} ` +
          '(a source is a job name, "watch.<name>", "global", "SIGHUP" or "SIGUSR2"): this job never starts',
      },
    ];
  });
}

const WATCH_PREFIX = 'watch.';

/**
 * Warnings, not errors (ContainerPilot ran such configs): a job waiting for `healthy` or
 * `unhealthy` from a job that has no health check and no notify, which never publishes either.
 */
export function healthEventsThatNeverCome(config: Config): DocumentIssue[] {
  return config.jobs.flatMap((job, index) => {
    const when = job.when;
    if (when.kind !== 'event' || (when.event !== 'healthy' && when.event !== 'unhealthy')) return [];
    const sources = config.jobs.filter((source) => source.writtenName === when.source);
    if (sources.length === 0 || sources.some((source) => source.health !== undefined || source.notify)) return [];
    const message = `waits for ${when.event} from ${when.source}, which has no health check and no notify, so never publishes it: this job never starts`;
    return [{ path: ['jobs', index, 'when'], message }];
  });
}

function unknownMain(config: Config): DocumentIssue[] {
  const { main } = config;
  const names = config.jobs.map((job) => job.name);
  if (main === undefined || names.includes(main)) return [];
  return [{ path: ['main'], message: `there is no job named ${JSON.stringify(main)}${didYouMean(main, names, 'value')}` }];
}

/**
 * The walk is over names as written, which events are published under. Each name waits on at
 * most one source (a name whose jobs wait on different sources, or not all on one, can start
 * through one of them, and is left out), so following sources from any name either ends (at a
 * watch, `global`, a signal or a job that starts at startup) or comes back round to a name on the
 * current walk. Each cycle is reported once, at its first job in document order.
 */
function cycles(config: Config): DocumentIssue[] {
  const names = config.jobs.map((job) => job.writtenName);
  const known = new Set(names);
  const sourcesOf = new Map<string, Set<string | undefined>>();
  for (const job of config.jobs) {
    const { when } = job;
    const source = when.kind === 'event' && when.event !== 'signal' && known.has(when.source) ? when.source : undefined;
    sourcesOf.set(job.writtenName, (sourcesOf.get(job.writtenName) ?? new Set()).add(source));
  }
  const sourceJob = new Map<string, string>();
  for (const [name, sources] of sourcesOf) {
    const [source] = sources;
    if (sources.size === 1 && source !== undefined) sourceJob.set(name, source);
  }
  const visited = new Set<string>();
  const issues: DocumentIssue[] = [];
  for (const origin of names) {
    const walk: string[] = [];
    let name: string | undefined = origin;
    while (name !== undefined && !visited.has(name)) {
      visited.add(name);
      walk.push(name);
      name = sourceJob.get(name);
    }
    const cycleStart = name === undefined ? -1 : walk.indexOf(name);
    if (cycleStart === -1) continue;
    const members = walk.slice(cycleStart);
    const first = names.find((candidate) => members.includes(candidate)) as string;
    const start = members.indexOf(first);
    const chain = [...members.slice(start), ...members.slice(0, start), first].join(' → ');
    issues.push({
      path: ['jobs', names.indexOf(first), 'when', 'source'],
      message:
        members.length === 1
          ? `the job waits for an event of its own, so it can never start (${chain})`
          : `dependency cycle ${chain}: each job waits for an event of the next, so none of them can start`,
    });
  }
  return issues;
}
