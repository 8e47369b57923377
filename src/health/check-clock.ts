// When health checks run. Each check is due one interval after the previous one (the first, one
// interval after it was scheduled), and runs at the first point of a grid at or after that: the
// grid's step is a tenth of its interval, at most 100 ms. So the checks of many jobs share the
// event loop's wake-ups instead of each waking pilotfish on its own: 100 checks at 1 s wake it at
// most 10 times a second rather than 100, and each wake-up (timers, epoll, microtasks) is a good
// part of what a check costs. A check is never early, and at most one step late (systemd's
// AccuracySec coalesces timers the same way).
//
// One unref'd timer serves every check: like the intervals it replaces, checks alone never keep
// pilotfish alive.

/** The grid step of an interval: fine enough for short test intervals, coarse enough to batch. */
const MAX_STEP_MS = 100;
const STEPS_PER_INTERVAL = 10;

interface Entry {
  readonly intervalMs: number;
  readonly stepMs: number;
  readonly run: () => void;
  /** When the next run is due (performance.now() time). */
  due: number;
}

const entries = new Set<Entry>();
let timer: NodeJS.Timeout | undefined;
let timerAt = Infinity;

/** Runs `run` every `intervalMs`, the first time one interval from now; returns the cancel. */
export function everyInterval(intervalMs: number, run: () => void): () => void {
  const entry: Entry = { intervalMs, stepMs: Math.max(1, Math.min(MAX_STEP_MS, Math.floor(intervalMs / STEPS_PER_INTERVAL))), run, due: performance.now() + intervalMs };
  entries.add(entry);
  arm();
  return () => {
    entries.delete(entry);
    if (entries.size === 0) disarm();
  };
}

/** The grid point at or after the entry's due time. */
function runsAt(entry: Entry): number {
  return Math.ceil(entry.due / entry.stepMs) * entry.stepMs;
}

function arm(): void {
  let next = Infinity;
  for (const entry of entries) next = Math.min(next, runsAt(entry));
  if (next === Infinity || next >= timerAt) return;
  disarm();
  timerAt = next;
  timer = setTimeout(fire, Math.max(0, next - performance.now()));
  timer.unref();
}

function disarm(): void {
  clearTimeout(timer);
  timer = undefined;
  timerAt = Infinity;
}

function fire(): void {
  timer = undefined;
  timerAt = Infinity;
  const now = performance.now();
  // Collected first: a run may cancel or schedule entries.
  const dueNow = [...entries].filter((entry) => runsAt(entry) <= now);
  for (const entry of dueNow) {
    // Fixed rate, as setInterval: the next is due one interval after this one was, unless that
    // has passed too (the event loop was held up), in which case one interval from now.
    entry.due += entry.intervalMs;
    if (entry.due <= now) entry.due = now + entry.intervalMs;
  }
  for (const entry of dueNow) {
    if (!entries.has(entry)) continue;
    try {
      entry.run();
    } catch (error) {
      // One check's failure must not hold up the others': it surfaces as uncaught, as it did from its own timer.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  arm();
}
