// While the API server is away, asks it every second or two whether it is back (GET /readyz with
// a short timeout: no etcd read, no object) and says so at once, so that writes waiting out a
// backoff of up to a minute catch up within seconds of its return. The interval is jittered so
// that the pods of a fleet, which all lost the server at once, do not probe it in lockstep.
import { KubeApiError, serverAway, type KubeApi } from './api.js';

export interface ProbeTiming {
  /** The mean wait between two probes; each wait is drawn from half to one and a half of it. */
  intervalMs: number;
  timeoutMs: number;
}

export class ServerProbe {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private requestInFlight = false;
  private stopped = false;

  constructor(
    private readonly api: KubeApi,
    private readonly timing: ProbeTiming,
    /** The server answers again. */
    private readonly onBack: () => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** The server seems away: probe until it answers. Idempotent while probing. */
  start(): void {
    if (this.stopped || this.probing) return;
    this.probing = true;
    // A probe still on its way (from before a cancel) goes on from where it is.
    if (!this.requestInFlight) this.scheduleNext();
  }

  /** A write went through: no need to probe. */
  cancel(): void {
    this.probing = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private scheduleNext(): void {
    const waitMs = this.timing.intervalMs * (0.5 + this.random());
    this.timer = setTimeout(() => void this.probe(), waitMs).unref();
  }

  private async probe(): Promise<void> {
    this.timer = undefined;
    this.requestInFlight = true;
    let back: boolean;
    try {
      await this.api.request({ method: 'GET', path: '/readyz', verb: 'get', resource: '/readyz', timeoutMs: this.timing.timeoutMs });
      back = true;
    } catch (error) {
      // A refusal (401, 403, 429) is an answer: the writes will meet it and handle it themselves.
      back = error instanceof KubeApiError && !serverAway(error);
    } finally {
      this.requestInFlight = false;
    }
    if (!this.probing) return;
    if (!back) {
      this.scheduleNext();
      return;
    }
    this.probing = false;
    this.onBack();
  }
}
