// What start-up leaves in memory for the rest of a supervisor's life. Start-up code runs once, yet
// it runs hot (module loading's path functions, the config's lexer): V8 hands a dozen of its
// functions to its optimizing compilers (Maglev, TurboFan), whose own machine code, paged in from
// Node's binary for that, then stays resident in an idle supervisor: 2.5-3.5 MiB (measured:
// docs/benchmarks.md, "Idle memory"). So a supervising command line holds those compilers (the
// interpreter and Sparkplug still run everything); once the jobs run they are given back, and one
// garbage collection that returns memory to the system sheds what start-up left behind, which V8
// would otherwise keep while the supervisor idles.

const COMPILERS = ['maglev', 'turbofan'] as const;

/**
 * Node's built-in modules that start-up loads. Node compiles its built-ins from a code cache that
 * V8 accepts only under the flags it was made with: loaded while the compilers are held, each
 * would be compiled from source (+10 ms of start-up, measured). So they are loaded first.
 */
const START_UP_BUILTINS = [
  'node:child_process',
  'node:cluster',
  'node:dgram',
  'node:http',
  'node:module',
  'node:net',
  'node:os',
  'node:perf_hooks',
  'node:stream/promises',
  'node:timers/promises',
] as const;

/** The compilers holdOptimizingCompilers() turned off. */
const held: string[] = [];

/**
 * Sets a V8 flag; true if that changed anything. V8's code cache tag is a hash of its flags, so
 * an unchanged tag means the flag had that value already (the user's own, or this V8's default).
 */
function setFlag(flag: string): boolean {
  const v8 = process.getBuiltinModule('node:v8');
  const before = v8.cachedDataVersionTag();
  v8.setFlagsFromString(flag);
  return v8.cachedDataVersionTag() !== before;
}

/** Turns the optimizing compilers off, remembering which were on (one already off stays off). */
export function holdOptimizingCompilers(): void {
  if (held.length > 0) return;
  for (const id of START_UP_BUILTINS) process.getBuiltinModule(id);
  for (const compiler of COMPILERS) if (setFlag(`--no-${compiler}`)) held.push(compiler);
}

/**
 * Gives the held compilers back, then collects garbage once with V8's "last resort" collection,
 * which also shrinks the heap's spaces and returns their pages (V8 before 12, Node 20's, reads no
 * options and runs a minor collection instead: its own memory reducer shrinks the heap some 8 s
 * later). Called once, after start-up: it pauses the event loop for ~10 ms.
 */
export function settleAfterStartUp(): void {
  for (const compiler of held.splice(0)) setFlag(`--${compiler}`);
  // gc() exists only in contexts made while --expose-gc is set: a fresh one, dropped at once.
  const exposed = setFlag('--expose-gc');
  try {
    const collect = process.getBuiltinModule('node:vm').runInNewContext('gc') as (options: object) => void;
    collect({ type: 'major', flavor: 'last-resort' });
  } catch {
    // Memory given back is a saving, not a duty.
  } finally {
    if (exposed) setFlag('--no-expose-gc');
  }
}
