// Rules about one job that need several of its fields (and their defaults) at once. They run on
// the built Config, so they see what will actually run; paths are in schema spelling.
import type { DocumentIssue } from './errors.js';
import { formatDuration } from './duration.js';
import { SERVICE_NAME } from './schema.js';
import { HOOKABLE_SIGNALS, type JobConfig } from './types.js';

// Names that `when.source` already gives a meaning to.
const RESERVED_NAMES: readonly string[] = ['global', ...HOOKABLE_SIGNALS];
const WATCH_PREFIX = 'watch.';

export function checkJobs(jobs: readonly JobConfig[]): DocumentIssue[] {
  return jobs.flatMap((job, index) => jobIssues(job).map(({ path, message }) => ({ path: ['jobs', index, ...path], message })));
}

function jobIssues(job: JobConfig): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  if (RESERVED_NAMES.includes(job.name)) {
    issues.push({ path: ['name'], message: `${JSON.stringify(job.name)} is reserved as an event source; choose another name` });
  } else if (job.name.startsWith(WATCH_PREFIX)) {
    issues.push({ path: ['name'], message: `names starting with "${WATCH_PREFIX}" are reserved for watches' events` });
  }
  if (job.port !== undefined) {
    // Registration is what makes ContainerPilot insist on these (the TTL check is fed by the health check).
    if (!SERVICE_NAME.test(job.name)) {
      const rule = `must match ${SERVICE_NAME.source}, got ${JSON.stringify(job.name)}`;
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
  const { delay, limit } = job.backoff;
  if (limit < delay) {
    issues.push({
      path: ['backoff', 'limit'],
      message: `must not be less than \`delay\` (${formatDuration(delay)}), got ${formatDuration(limit)}`,
    });
  }
  return issues;
}
