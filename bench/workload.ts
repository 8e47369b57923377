// What a scenario asks a supervisor to run, independent of any supervisor's config format.

/** Every long-running job execs into this, so the harness can tell jobs from supervisor processes. */
export const JOB_COMM = 'sleep';

export interface JobSpec {
  name: string;
  /** A /bin/sh script; it starts by announcing itself (see JobStartLog). */
  script: string;
  /** Restart the job whenever it ends (the supervisor's default backoff applies). */
  restart: boolean;
  /** An HTTP health check against this URL every second. */
  checkUrl?: string;
}

export interface Workload {
  jobs: JobSpec[];
}

export interface JobOptions {
  count: number;
  restart?: boolean;
  /** The job exits 1 right after starting, instead of running until stopped. */
  crash?: boolean;
  checkUrl?: string;
}

export function makeWorkload(announce: (name: string) => string, options: JobOptions): Workload {
  const jobs = Array.from({ length: options.count }, (_, i): JobSpec => {
    const name = `job${i}`;
    const body = options.crash ? 'exit 1' : `exec ${JOB_COMM} 1000000`;
    return {
      name,
      script: `${announce(name)}; ${body}`,
      restart: options.restart ?? false,
      ...(options.checkUrl ? { checkUrl: options.checkUrl } : {}),
    };
  });
  return { jobs };
}
