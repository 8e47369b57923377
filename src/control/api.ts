// pilotfish's own control API (`/v1/…`): JSON in and out; errors are `{"error": "…"}` with 400 for
// a bad request, 404 for an unknown job, 409 for an action the job's state does not allow, 413 for
// an oversized body and 422 for a reload whose config is invalid.
import type { ServerResponse } from 'node:http';
import { toSignalName } from '../config/signal-name.js';
import type { Config } from '../config/types.js';
import type { MetricSink } from '../contracts/components.js';
import { HttpError, readJson, sendJson } from '../http/json.js';
import { isPlainObject } from '../util/records.js';
import type { Job } from '../jobs/job.js';
import type { ReloadResult, SupervisorSnapshot } from '../supervisor/supervisor.js';
import type { WatchBoard } from '../watches/board.js';
import { DEFAULT_LOG_LINES, streamLogs } from './logs.js';
import { environmentBody, metricsBody, putMetricsStrictly } from './requests.js';
import type { Route } from '../http/router.js';
import { jobView, statusView } from './status-view.js';

/** What the control API reads from the supervisor and asks of it: what operators may see and do. */
export interface ControlHost {
  readonly currentConfig: Config;
  readonly inMaintenance: boolean;
  readonly isShuttingDown: boolean;
  readonly watches: Pick<WatchBoard, 'reports'>;
  snapshot(): SupervisorSnapshot;
  job(name: string): Job | undefined;
  startJob(name: string): boolean;
  stopJob(name: string): Promise<boolean>;
  restartJob(name: string): Promise<boolean>;
  signalJob(name: string, signal: NodeJS.Signals): boolean;
  /** Undefined once set; else why they were refused. */
  setEnv(variables: Readonly<Record<string, string>>): string | undefined;
  setMaintenance(enabled: boolean): void;
  reload(): Promise<ReloadResult>;
}

export interface ControlContext {
  supervisor: ControlHost;
  metrics: MetricSink | undefined;
  /** Names of the variables set through the control plane (their values are never answered). */
  envSet: Set<string>;
  version: string;
  /** Responses of `logs --follow` still open. */
  followers: Set<ServerResponse>;
}

/** Sets variables for processes started from now on, and remembers their names for the status; refused with `status`. */
export function setEnvironment(context: ControlContext, variables: Record<string, string>, status: number): void {
  const refused = context.supervisor.setEnv(variables);
  if (refused !== undefined) throw new HttpError(status, refused);
  for (const name of Object.keys(variables)) context.envSet.add(name);
}

const JOB_ACTIONS = ['start', 'stop', 'restart'] as const;
type JobAction = (typeof JOB_ACTIONS)[number];

export function pilotfishRoutes(context: ControlContext): Route[] {
  const { supervisor } = context;
  return [
    {
      method: 'GET',
      path: /^\/v1\/ping$/,
      handle: (_request, response) => sendJson(response, 200, { ok: true, pid: process.pid }),
    },
    {
      method: 'GET',
      path: /^\/v1\/status$/,
      handle: (_request, response) => sendJson(response, 200, statusView(supervisor.snapshot(), { ...context, jobConfigs: supervisor.currentConfig.jobs, now: new Date() })),
    },
    {
      method: 'POST',
      path: /^\/v1\/reload$/,
      handle: async (_request, response) => {
        const result = await supervisor.reload();
        // As the job verbs answer then: a shutdown is no config to correct (422 says the file is at fault).
        if (!result.ok && supervisor.isShuttingDown) throw new HttpError(409, 'pilotfish is shutting down');
        if (!result.ok) throw new HttpError(422, `reload rejected, the running config stays in force:\n${result.error}`);
        sendJson(response, 200, result);
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/maintenance$/,
      handle: async (request, response) => {
        const body = await readJson(request);
        if (!isPlainObject(body) || typeof body.enabled !== 'boolean') throw new HttpError(400, 'expected {"enabled": true} or {"enabled": false}');
        supervisor.setMaintenance(body.enabled);
        sendJson(response, 200, { maintenance: supervisor.inMaintenance });
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/env$/,
      handle: async (request, response) => {
        const variables = environmentBody(await readJson(request), { nullIsEmpty: false, status: 400 });
        setEnvironment(context, variables, 400);
        sendJson(response, 200, { set: Object.keys(variables) });
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/metrics$/,
      handle: async (request, response) => {
        const set = putMetricsStrictly(context.metrics, metricsBody(await readJson(request)));
        sendJson(response, 200, { set });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/v1/jobs/([^/]+)/(${JOB_ACTIONS.join('|')})$`),
      handle: async (_request, response, [name = '', action]) => {
        const job = existingJob(supervisor, name);
        await runJobAction(supervisor, job, action as JobAction);
        sendJson(response, 200, { job: currentJobView(supervisor, name) });
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/jobs\/([^/]+)\/signal$/,
      handle: async (request, response, [name = '']) => {
        const body = await readJson(request);
        const requested = isPlainObject(body) && typeof body.signal === 'string' ? body.signal : undefined;
        if (requested === undefined) throw new HttpError(400, 'expected {"signal": "SIGHUP"} (a signal name)');
        const signal = toSignalName(requested);
        if (!signal) throw new HttpError(400, `${JSON.stringify(requested)} is not a signal name on this system`);
        existingJob(supervisor, name);
        if (!supervisor.signalJob(name, signal)) throw new HttpError(409, `${name} has no running process to signal`);
        sendJson(response, 200, { job: name, signal });
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/watches$/,
      handle: (_request, response) => sendJson(response, 200, { watches: supervisor.watches.reports(supervisor.currentConfig.watches) }),
    },
    {
      method: 'GET',
      path: /^\/v1\/watches\/([^/]+)$/,
      handle: (_request, response, [name = '']) => {
        const report = supervisor.watches.reports(supervisor.currentConfig.watches).find((each) => each.name === name);
        if (!report) throw new HttpError(404, `no watch named ${JSON.stringify(name)}`);
        sendJson(response, 200, report);
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/logs$/,
      handle: (_request, response, _params, url) => {
        const name = url.searchParams.get('job');
        const jobs = name ? [existingJob(supervisor, name)] : supervisor.snapshot().jobs.map(({ name: each }) => existingJob(supervisor, each));
        const lines = lineCount(url.searchParams.get('lines'));
        streamLogs(response, jobs, {
          lines,
          follow: isTrue(url.searchParams.get('follow')),
          lifecycle: isTrue(url.searchParams.get('lifecycle')),
          followers: context.followers,
        });
      },
    },
  ];
}

async function runJobAction(supervisor: ControlHost, job: Job, action: JobAction): Promise<void> {
  if (supervisor.isShuttingDown) throw new HttpError(409, 'pilotfish is shutting down');
  if (action !== 'stop' && job.isRetired()) throw new HttpError(409, `${job.name} is being stopped by a reload, which starts its new definition if it has one`);
  if (action === 'start') {
    if (!job.acceptsStart()) throw new HttpError(409, `${job.name} is ${job.state} already`);
    supervisor.startJob(job.name);
  } else if (action === 'stop') {
    await supervisor.stopJob(job.name);
    // A script's `pilotfish stop app && …` must not go on with the app running again.
    if (!job.isTerminal()) throw new HttpError(409, `${job.name} was started again (start or restart) before its stop finished: it is ${job.state}`);
  } else {
    await supervisor.restartJob(job.name);
    // Likewise `pilotfish restart app && …` must not go on with the app stopped by a later stop.
    if (job.isTerminal() || job.isStopping()) throw new HttpError(409, `${job.name} was stopped before its restart finished: it is ${job.state}`);
  }
}

function existingJob(supervisor: ControlHost, name: string): Job {
  const job = supervisor.job(name);
  if (!job) throw new HttpError(404, `no job named ${JSON.stringify(name)}`);
  return job;
}

function currentJobView(supervisor: ControlHost, name: string) {
  return jobView(existingJob(supervisor, name).snapshot(), new Date());
}

function lineCount(text: string | null): number {
  if (text === null) return DEFAULT_LOG_LINES;
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 0) throw new HttpError(400, `lines must be a whole number, got ${JSON.stringify(text)}`);
  return count;
}

function isTrue(text: string | null): boolean {
  return text === 'true' || text === '1';
}
