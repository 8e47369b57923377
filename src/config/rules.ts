// Rules about one job that need several of its fields (and their defaults) at once, and the
// warning about jobs that repeat a name. They run on the built Config, so they see what will
// actually run; paths are in schema spelling.
import type { DocumentIssue, DocumentPath } from './errors.js';
import { formatDuration } from './duration.js';
import { environmentBytes, execveBytes, MAX_ARG_TOTAL } from './exec-limits.js';
import { SERVICE_NAME } from './schema.js';
import { HOOKABLE_SIGNALS, type Command, type Config, type HealthConfig, type JobConfig } from './types.js';

// Names that `when.source` already gives a meaning to.
const RESERVED_NAMES: readonly string[] = ['global', ...HOOKABLE_SIGNALS];
const WATCH_PREFIX = 'watch.';

export function checkJobs(jobs: readonly JobConfig[]): DocumentIssue[] {
  return jobs.flatMap((job, index) => jobIssues(job).map(({ path, message }) => ({ path: ['jobs', index, ...path], message })));
}

/**
 * ContainerPilot ran every job of a repeated name (templated configs produce them), so pilotfish
 * does too, and says so at each later job, naming where the first one is (`placeOf` formats a
 * path as `file:line:column`).
 */
export function repeatedNames(jobs: readonly JobConfig[], placeOf: (path: DocumentPath) => string): DocumentIssue[] {
  const firstIndex = new Map<string, number>();
  return jobs.flatMap((job, index) => {
    const first = firstIndex.get(job.writtenName);
    if (first === undefined) {
      firstIndex.set(job.writtenName, index);
      return [];
    }
    const firstPath = ['jobs', first, 'name'];
    const message =
      `${JSON.stringify(job.writtenName)} is also the name of jobs[${first}] (${placeOf(firstPath)}): both run, as in ContainerPilot, ` +
      `and publish their events as ${JSON.stringify(job.writtenName)}; this one is ${JSON.stringify(job.name)} in status, commands and metrics`;
    return [{ path: ['jobs', index, 'name'], message }];
  });
}

function jobIssues(job: JobConfig): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  // What the config wrote: the identity `name#2` of a repeated name is never an event source or a service name.
  const name = job.writtenName;
  if (RESERVED_NAMES.includes(name)) {
    issues.push({ path: ['name'], message: `${JSON.stringify(name)} is reserved as an event source; choose another name` });
  } else if (name.startsWith(WATCH_PREFIX)) {
    issues.push({ path: ['name'], message: `names starting with "${WATCH_PREFIX}" are reserved for watches' events` });
  }
  if (job.port !== undefined) {
    // Registration is what makes ContainerPilot insist on these (the TTL check is fed by the health check).
    if (!SERVICE_NAME.test(name)) {
      const rule = `must match ${SERVICE_NAME.source}, got ${JSON.stringify(name)}`;
      issues.push({ path: ['name'], message: `a job with a \`port\` is registered in Consul, so its name ${rule}` });
    }
    if (job.health === undefined) {
      issues.push({ path: ['port'], message: 'needs a `health` check: it keeps the Consul registration alive' });
    } else if (job.health.ttl === undefined) {
      issues.push({ path: ['health', 'ttl'], message: 'is required when the job has a `port`: it is the TTL of the Consul check' });
    }
  }
  const repeatsOnEvents = job.when.kind === 'event' && job.when.repeat === 'each' && job.when.event !== 'signal';
  if (job.restarts === Infinity && repeatsOnEvents) {
    issues.push({
      path: ['restarts'],
      message: '"unlimited" cannot be used with `when.each`: every event would start another process that restarts forever',
    });
  }
  const jobEnvironmentBytes = environmentBytes(job.env);
  const commands: [string[], Command | undefined][] = [
    [['exec'], job.exec],
    [['health', 'exec'], job.health?.probe.type === 'exec' ? job.health.probe.command : undefined],
  ];
  for (const [path, command] of commands) {
    const bytes = command && command.argv.reduce((total, argument) => total + execveBytes(argument), jobEnvironmentBytes);
    if (bytes !== undefined && bytes > MAX_ARG_TOTAL) {
      issues.push({ path, message: `with the job's \`env\` it takes ${bytes} bytes, over the kernel's limit of ${MAX_ARG_TOTAL} for arguments and environment together` });
    }
  }
  const { delay, limit } = job.backoff;
  if (limit < delay) {
    issues.push({
      path: ['backoff', 'limit'],
      message: `must not be less than \`delay\` (${formatDuration(delay)}), got ${formatDuration(limit)}`,
    });
  }
  return issues;
}

/** What makes a job a Consul service: its exec and port, and its health check's TTL. */
export type AdvertisableJob = Pick<JobConfig, 'exec' | 'port'> & { health?: Pick<HealthConfig, 'ttl'> };

/** A job is a Consul service when it has a port, or is a registration-only service with a TTL. */
export function isAdvertised(job: AdvertisableJob): boolean {
  return job.health?.ttl !== undefined && (job.port !== undefined || job.exec === undefined);
}

/**
 * The TTL check's heartbeat comes with each passing check, so a service checked no more often than
 * its TTL lapses to critical between checks. Only with Consul: the TTL is the catalog's.
 */
export function ttlsThatLapse(config: Config): DocumentIssue[] {
  if (config.consul === undefined) return [];
  return config.jobs.flatMap((job, index) => {
    const { interval, ttl } = job.health ?? {};
    if (!isAdvertised(job) || interval === undefined || ttl === undefined || interval < ttl) return [];
    const message = `${formatDuration(interval)} is not below health.ttl (${formatDuration(ttl)}): the Consul check will lapse to critical between checks`;
    return [{ path: ['jobs', index, 'health', 'interval'], message }];
  });
}
