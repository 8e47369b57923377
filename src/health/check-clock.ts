// When health checks run. Each check is due one interval after its previous run (the first, one
// interval after it was scheduled) and runs at most one step after that: the step is a tenth of
// its interval, at most 100 ms. Within that slack a check moves towards its interval's anchors,
// the multiples of the interval on performance.now()'s clock: it runs on an anchor once it is
// due there, otherwise at the next point of a step grid laid from the last anchor, one step nearer
// the next. So checks of the same interval started at scattered moments share the grid's wake-ups
// at once (at most interval/step of them per interval, ten up to 1 s), and within interval/step
// runs all run in the one wake-up of their anchor: 100 checks at 1 s then wake pilotfish once a
// second, not ten times (the grid alone) or a hundred (a timer each). Each wake-up (timers,
// epoll, microtasks) is a good part of what a check costs. A check is never early, and at most one
// step (and two milliseconds) late (systemd's AccuracySec coalesces timers the same way, on a fixed
// point of each window).
//
// Times are whole milliseconds, so that a check on its anchor stays exactly on it.
//
// One unref'd timer serves every check: like the intervals it replaces, checks alone never keep
// pilotfish alive.

/** The grid step of an interval: fine enough for short test intervals, coarse enough to batch. */
const MAX_STEP_MS = 100;
const STEPS_PER_INTERVAL = 10;

interface Entry {
  readonly intervalMs: number;
  readonly run: () => void;
  /** When the next run is planned (performance.now() time, whole milliseconds). */
  runAt: number;
}

const entries = new Set<Entry>();
let timer: NodeJS.Timeout | undefined;
let timerAt = Infinity;

/** Runs `run` every `intervalMs`, the first time one interval from now; returns the cancel. */
export function everyInterval(intervalMs: number, run: () => void): () => void {
  const interval = Math.max(1, Math.ceil(intervalMs));
  const entry: Entry = { intervalMs: interval, run, runAt: plannedRun(interval, Math.ceil(performance.now()) + interval) };
  entries.add(entry);
  arm();
  return () => {
    entries.delete(entry);
    if (entries.size === 0) disarm();
  };
}

/**
 * When a run of a check every `intervalMs` (whole milliseconds) that is due at `due` happens: on
 * the interval's anchor if it is due there, else at the next point of the step grid that starts
 * at the anchor before it (the next anchor, at the latest).
 */
export function plannedRun(intervalMs: number, due: number): number {
  const step = Math.max(1, Math.min(MAX_STEP_MS, Math.floor(intervalMs / STEPS_PER_INTERVAL)));
  const anchor = Math.floor(due / intervalMs) * intervalMs;
  if (anchor === due) return due;
  return Math.min(anchor + intervalMs, anchor + (Math.floor((due - anchor) / step) + 1) * step);
}

function arm(): void {
  let next = Infinity;
  for (const entry of entries) next = Math.min(next, entry.runAt);
  if (next === Infinity || next >= timerAt) return;
  disarm();
  timerAt = next;
  // Node's timers count whole milliseconds of libuv's clock, which may be the coarse clock (up to a
  // millisecond behind): a timer set for the exact time left came early a third of the time, found
  // nothing due and woke pilotfish twice. Two more milliseconds make it never early.
  timer = setTimeout(fire, Math.max(0, Math.ceil(next - performance.now())) + 2);
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
  const dueNow = [...entries].filter((entry) => entry.runAt <= now);
  for (const entry of dueNow) {
    // The next is due one interval after this one was planned, unless that has passed too (the
    // event loop was held up), in which case one interval from now.
    const due = entry.runAt + entry.intervalMs;
    entry.runAt = plannedRun(entry.intervalMs, due > now ? due : Math.ceil(now) + entry.intervalMs);
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
