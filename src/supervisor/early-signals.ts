// Signals that arrive while pilotfish is still loading. Until a process has a handler, SIGHUP,
// SIGUSR1 and SIGUSR2 kill it (as PID 1 the kernel drops them instead, SIGTERM too), and loading
// the supervisor takes a good part of a second. So the very first thing the command does is to
// hold these signals: each one that arrives is remembered, and handed to the real handlers once
// they exist (or, for a command that supervises nothing, delivered again with the default action).
// This module must stay free of imports: it runs before anything else is loaded. It is bundled
// twice, into the CommonJS launcher (which holds the signals before Node's ES module loader even
// starts) and into the modules, so its state lives on a global both copies find.

const HELD_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
export type HeldSignal = (typeof HELD_SIGNALS)[number];

export interface ArrivedSignal {
  signal: HeldSignal;
  /** When it first arrived, on performance.now()'s clock. */
  at: number;
}

interface HeldState {
  // One entry per signal (a repeat while loading is the same request), so the queue is bounded.
  arrived: Map<HeldSignal, number>;
  listeners: Map<HeldSignal, () => void>;
}

const STATE_KEY = Symbol.for('pilotfish.heldSignals');
const global = globalThis as { [STATE_KEY]?: HeldState };
const { arrived, listeners } = (global[STATE_KEY] ??= { arrived: new Map(), listeners: new Map() });

export function holdSignals(): void {
  for (const signal of HELD_SIGNALS) {
    if (listeners.has(signal)) continue;
    const listener = () => {
      if (!arrived.has(signal)) arrived.set(signal, performance.now());
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
}

/**
 * Stops holding and returns what arrived, in order. The caller installs its own handlers first,
 * so that no signal meets the default action in between.
 */
export function takeHeldSignals(): ArrivedSignal[] {
  for (const [signal, listener] of listeners) process.off(signal, listener);
  listeners.clear();
  const taken = [...arrived].map(([signal, at]) => ({ signal, at }));
  arrived.clear();
  return taken;
}

/** For commands that supervise nothing: default actions again, and what came meanwhile delivered now. */
export function releaseSignals(): void {
  for (const { signal } of takeHeldSignals()) process.kill(process.pid, signal);
}
