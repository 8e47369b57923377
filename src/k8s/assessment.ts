// What the pod's state means, as condition verdicts: is each job in good standing, are they all,
// is discovery registered, is the pod ready, is anything wrong. Pure: snapshot in, verdicts out.
import type { JobConfig } from '../config/types.js';
import type { JobSnapshot } from '../jobs/job.js';
import { checkDetail, exitWords } from './job-text.js';
import type { ConditionStatus, ConditionType, DiscoveryStatus } from './resource.js';

export interface Verdict {
  status: ConditionStatus;
  /** CamelCase, for `kubectl get ap -o wide` and alerts. */
  reason: string;
  message: string;
}

/**
 * ConsulRegistered is absent without Consul: it could never be True, and False would read as a
 * fault. SpecApplied is steering's (./steering.ts), absent until it has applied a spec.
 */
export type Verdicts = Record<Exclude<ConditionType, 'ConsulRegistered' | 'SpecApplied'>, Verdict> & { ConsulRegistered?: Verdict; SpecApplied?: Verdict };

/** Worst first: the job that decides JobsHealthy's reason is the first in this order. */
const STANDING_ORDER = ['failed', 'unhealthy', 'restarting', 'stopped', 'starting', 'good'] as const;
export type Standing = (typeof STANDING_ORDER)[number];

/**
 * A job is in good standing when it runs and passes its check (or has none), or when it is not
 * meant to be running now: a hook waiting for its event, a finished one-shot, a periodic job
 * between runs.
 */
export function standingOf(job: JobSnapshot, config: Pick<JobConfig, 'health' | 'when'> | undefined): Standing {
  if (job.health === 'unhealthy') return 'unhealthy';
  switch (job.state) {
    case 'failed':
      return 'failed';
    case 'backoff':
      return 'restarting';
    case 'stopping':
    case 'terminating':
    case 'killing':
    case 'stopped':
      return 'stopped';
    case 'starting':
      return config?.when.kind === 'interval' ? 'good' : 'starting';
    case 'running':
      return config?.health && job.health !== 'healthy' ? 'starting' : 'good';
    case 'idle':
    case 'exited':
      return 'good';
  }
}

const STANDING_VERDICT: Record<Exclude<Standing, 'good'>, { reason: string; describe: (job: JobSnapshot) => string }> = {
  failed: { reason: 'JobFailed', describe: (job) => `${job.name} ${exitWords(job)} and will not be restarted` },
  unhealthy: { reason: 'JobUnhealthy', describe: (job) => `${job.name} is unhealthy${checkDetail(job)}` },
  restarting: { reason: 'JobRestarting', describe: (job) => `${job.name} ${exitWords(job)} and waits to restart` },
  stopped: { reason: 'JobStopped', describe: (job) => `${job.name} is stopped` },
  starting: { reason: 'JobsStarting', describe: (job) => `${job.name} is starting` },
};

export interface AssessmentInput {
  jobs: Array<{ snapshot: JobSnapshot; standing: Standing }>;
  discovery: DiscoveryStatus;
  maintenance: boolean;
  shuttingDown: boolean;
}

export function assess({ jobs, discovery, maintenance, shuttingDown }: AssessmentInput): Verdicts {
  const jobsHealthy = jobsVerdict(jobs);
  const consulRegistered = discoveryVerdict(discovery);
  return {
    Ready: readyVerdict(jobsHealthy, consulRegistered, maintenance, shuttingDown),
    JobsHealthy: jobsHealthy,
    ...(consulRegistered ? { ConsulRegistered: consulRegistered } : {}),
    Degraded: degradedVerdict(jobs, discovery),
  };
}

function jobsVerdict(jobs: AssessmentInput['jobs']): Verdict {
  const good = jobs.filter((job) => job.standing === 'good').length;
  const worst = worstJob(jobs);
  if (!worst) return { status: 'True', reason: 'AllJobsHealthy', message: `${good} of ${jobs.length} jobs in good standing` };
  const { reason, describe } = STANDING_VERDICT[worst.standing as Exclude<Standing, 'good'>];
  return { status: 'False', reason, message: `${describe(worst.snapshot)}; ${good} of ${jobs.length} jobs in good standing` };
}

function worstJob(jobs: AssessmentInput['jobs']): AssessmentInput['jobs'][number] | undefined {
  for (const standing of STANDING_ORDER.slice(0, -1)) {
    const job = jobs.find((candidate) => candidate.standing === standing);
    if (job) return job;
  }
  return undefined;
}

function discoveryVerdict(discovery: DiscoveryStatus): Verdict | undefined {
  const services = discovery.services.map((service) => service.name).join(', ');
  switch (discovery.state) {
    case 'Disabled':
      return undefined;
    case 'Registered':
      // Without an advertised job there is nothing to register; failing watches would have made it Unreachable.
      if (!services) return { status: 'True', reason: 'NothingToRegister', message: `no job is advertised to ${consulAt(discovery)}` };
      return { status: 'True', reason: 'Registered', message: `registered ${services} with ${consulAt(discovery)}` };
    case 'Registering':
      return { status: 'False', reason: 'Registering', message: `registering ${services || 'services'} with ${consulAt(discovery)}` };
    case 'Unreachable':
      return { status: 'False', reason: 'ConsulUnavailable', message: unreachableMessage(discovery) };
  }
}

function readyVerdict(jobs: Verdict, consul: Verdict | undefined, maintenance: boolean, shuttingDown: boolean): Verdict {
  if (shuttingDown) return { status: 'False', reason: 'ShuttingDown', message: 'pilotfish is stopping its jobs' };
  if (maintenance) return { status: 'False', reason: 'Maintenance', message: 'in maintenance mode: out of rotation' };
  if (jobs.status !== 'True') return { ...jobs, status: 'False' };
  if (consul && consul.status !== 'True') return { ...consul, status: 'False' };
  return { status: 'True', reason: 'Ready', message: jobs.message };
}

/** Something went wrong (as opposed to not being there yet): a job failed, crashed, or fails its check; Consul is unreachable. */
function degradedVerdict(jobs: AssessmentInput['jobs'], discovery: DiscoveryStatus): Verdict {
  const troubled = jobs.filter((job) => job.standing === 'failed' || job.standing === 'unhealthy' || job.standing === 'restarting');
  const worst = worstJob(troubled);
  if (worst) {
    const { reason, describe } = STANDING_VERDICT[worst.standing as Exclude<Standing, 'good'>];
    return { status: 'True', reason, message: describe(worst.snapshot) };
  }
  if (discovery.state === 'Unreachable') return { status: 'True', reason: 'ConsulUnavailable', message: unreachableMessage(discovery) };
  return { status: 'False', reason: 'AsExpected', message: 'no job has failed, crashed or fails its check' };
}

function unreachableMessage(discovery: DiscoveryStatus): string {
  return discovery.message ? `${consulAt(discovery)} fails: ${discovery.message}` : `${consulAt(discovery)} is unreachable`;
}

function consulAt(discovery: DiscoveryStatus): string {
  return discovery.location ? `Consul at ${discovery.location}` : 'Consul';
}
