// What start-up leaves in memory for the rest of a supervisor's life. Start-up code runs once, yet
// it runs hot (module loading's path functions, the config's lexer): V8 hands a dozen of its
// functions to its optimizing compilers (Maglev, TurboFan), whose own machine code, paged in from
// Node's binary for that, then stays resident in an idle supervisor: 2.5-3.5 MiB (measured:
// docs/benchmarks.md, "Start-up's footprint given back"). So `run` holds those compilers (the
// interpreter and Sparkplug still run everything); once its jobs run they are given back, and one
// garbage collection that returns memory to the system sheds what start-up left behind, which V8
// would otherwise keep while the supervisor idles.
//
// Changing V8's flags at run time is what v8.setFlagsFromString is for, on the V8s this was tested
// on (11 to 13: Node 20 to 24). Elsewhere nothing is touched: a V8 whose flags are frozen after
// start-up (--freeze-flags-after-init, V8's own default, which Node turns off) aborts the process
// on any change, and a flag a later V8 renamed would only be complained about on stderr.

const TESTED_V8_MAJORS = { lowest: 11, highest: 13 };
/** V8's "last resort" collection, asked for through gc()'s options, from V8 12 on (Node 22). */
const LAST_RESORT_GC_V8_MAJOR = 12;
/**
 * Above this much heap in use, what one collection gives back is a small share of it, and the
 * pause (two full collections, ~40 ms at start-up's few MiB) would pass 100 ms.
 */
const SETTLE_GC_MAX_HEAP_BYTES = 32 * 1024 * 1024;

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

const v8Major = Number(process.versions.v8.split('.')[0]);

function flagsMayChange(): boolean {
  return (
    v8Major >= TESTED_V8_MAJORS.lowest &&
    v8Major <= TESTED_V8_MAJORS.highest &&
    !process.execArgv.some((arg) => /^--freeze[-_]flags[-_]after[-_]init$/.test(arg))
  );
}

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
  if (held.length > 0 || !flagsMayChange()) return;
  for (const id of START_UP_BUILTINS) process.getBuiltinModule(id);
  for (const compiler of COMPILERS) if (setFlag(`--no-${compiler}`)) held.push(compiler);
}

/**
 * Gives the held compilers back, then collects garbage once with V8's "last resort" collection,
 * which also shrinks the heap's spaces and returns their pages. Called once, after start-up; the
 * collection pauses the event loop for a few tens of milliseconds. Node 20's V8 cannot be asked
 * for one (its memory reducer shrinks the heap on its own some 8 s after start-up).
 */
export function settleAfterStartUp(): void {
  for (const compiler of held.splice(0)) setFlag(`--${compiler}`);
  const v8 = process.getBuiltinModule('node:v8');
  if (!flagsMayChange() || v8Major < LAST_RESORT_GC_V8_MAJOR || v8.getHeapStatistics().used_heap_size > SETTLE_GC_MAX_HEAP_BYTES) return;
  // gc() exists only in contexts made while --expose-gc is set: one is made for it, and the flag
  // goes back at once, so that no other context (a worker's) gets a gc() meanwhile.
  const exposed = setFlag('--expose-gc');
  let collect: ((options: object) => void) | undefined;
  try {
    collect = process.getBuiltinModule('node:vm').runInNewContext('gc') as (options: object) => void;
  } catch {
    // Memory given back is a saving, not a duty.
  }
  if (exposed) setFlag('--no-expose-gc');
  collect?.({ type: 'major', flavor: 'last-resort' });
}
