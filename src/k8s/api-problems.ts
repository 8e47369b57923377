// Turns a failed API request into what to do next and one clear log line: said once when a
// problem starts or changes — not at every retry, and not again by the other write loop
// (status, events) that hits the same outage — and an all-clear when every loop writes again.
import type { Logger } from '../logging/logger.js';
import { KubeApiError, REPLY_TOO_LARGE } from './api.js';
import type { WriteOutcome } from './write-loop.js';

export class ApiProblems {
  /** The problem each write loop last reported (its message, or the topic it shares with others), by loop. */
  private readonly current = new Map<string, { topic: string; message: string }>();
  private readonly forbiddenSince = new Map<string, number>();
  private readonly recoveryListeners: Array<(loop: string) => void> = [];

  /**
   * `forbiddenGraceMs`: an API server that has just started answers 403 until its RBAC caches are
   * filled, so only a 403 that lasts this long means the Role is missing.
   */
  constructor(
    private readonly log: Logger,
    private readonly namespace: string,
    private readonly forbiddenGraceMs: number,
    /** The grace's clock: monotonic, or a wall clock stepped back would hide a missing Role for as long. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `namespace`: the one the failed request was in, when not the pod's (a watch on another namespace's Service). */
  failed(loop: string, error: unknown, namespace = this.namespace): WriteOutcome {
    if (!(error instanceof KubeApiError)) {
      this.say(loop, 'error', `Kubernetes bridge: unexpected error: ${(error as Error).stack ?? String(error)}`);
      return { kind: 'retry' };
    }
    const { status, request } = error;
    // The server answered, with more than the client holds: it is not away, so no probe of it
    // (whose all-clear would reset the backoff and repeat the reply every few seconds).
    if (error.reason === REPLY_TOO_LARGE) {
      this.say(loop, 'error', `Kubernetes API: the reply to ${request.verb} ${request.resource} is too large (${error.message}): retrying with backoff`);
      return { kind: 'retry' };
    }
    if (status === 0 || status === 429 || status >= 500) {
      // One outage, however each loop meets it (refused, reset, timed out, 503): said once.
      this.say(loop, 'warn', `Kubernetes API unavailable (${error.message}): retrying with backoff; the jobs are not affected`, status === 429 ? 'throttled' : 'unavailable');
      // 429: the server is there and sets the pace itself.
      return { kind: 'retry', retryAfterMs: error.retryAfterMs, ...(status === 429 ? {} : { serverAway: true }) };
    }
    if (status === 403) {
      const since = this.forbiddenSince.get(loop) ?? this.now();
      this.forbiddenSince.set(loop, since);
      if (this.now() - since < this.forbiddenGraceMs) {
        this.log.debug(`forbidden to ${request.verb} ${request.resource}, perhaps while the API server starts: retrying (${error.message})`);
        return { kind: 'retry', serverAway: true };
      }
      this.say(
        loop,
        'error',
        `Kubernetes RBAC denies "${request.verb}" on ${request.resource} in namespace ${namespace}: ` +
          `bind the Role printed by \`pilotfish k8s manifests\` to this pod's service account (${error.message}); retrying within a minute, then up to every 5 minutes`,
      );
      return { kind: 'retry', patient: true };
    }
    if (status === 404 && request.verb === 'create') {
      const hint = 'is the Autopilot CRD installed? Apply `pilotfish k8s manifests`';
      this.say(loop, 'error', `cannot create ${request.resource}: ${hint} (${error.message}); retrying within a minute, then up to every 5 minutes`);
      return { kind: 'retry', patient: true };
    }
    if (status === 401) this.say(loop, 'error', `the API server rejects the bridge's token, even freshly read (${error.message})`);
    else {
      const refusal = `HTTP ${status} ${error.reason}: ${error.message}${describeCauses(error)}`;
      this.say(loop, 'error', `Kubernetes API refused to ${request.verb} ${request.resource}: ${refusal}`);
    }
    return { kind: 'retry' };
  }

  /**
   * `listener` hears of each loop that succeeds after failing: whatever refused it (the Role, the
   * CRD) may have been fixed for the other loops too.
   */
  onRecovery(listener: (loop: string) => void): void {
    this.recoveryListeners.push(listener);
  }

  succeeded(loop: string): void {
    this.forbiddenSince.delete(loop);
    if (!this.current.delete(loop)) return;
    for (const listener of this.recoveryListeners) listener(loop);
    if (this.current.size === 0) this.log.info('Kubernetes API writes succeed again');
  }

  /**
   * Says `message` unless a loop with a current problem has said one of its `topic`; a new
   * message of a topic already said goes to DEBUG, a repeat nowhere.
   */
  private say(loop: string, level: 'warn' | 'error', message: string, topic = message): void {
    const current = [...this.current.values()];
    this.current.set(loop, { topic, message });
    if (!current.some((problem) => problem.topic === topic)) this.log[level](message);
    else if (!current.some((problem) => problem.message === message)) this.log.debug(message);
  }
}

/** 422 Invalid names each offending field. */
function describeCauses(error: KubeApiError): string {
  if (error.causes.length === 0) return '';
  return `; fields: ${error.causes.map((cause) => `${cause.field ?? '?'}: ${cause.message ?? cause.reason ?? ''}`).join('; ')}`;
}
