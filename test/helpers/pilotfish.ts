// Runs the real `pilotfish` command as a child process (optionally as PID 1 of a new PID
// namespace) and collects its output, for tests of what crosses the process boundary.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** Every pilotfish still running, with how to end it for good. */
const running = new Map<ChildProcess, () => void>();
/**
 * In the environment of every pilotfish this file starts, and so of every job: jobs run in process
 * groups of their own and outlive a pilotfish that a test SIGKILLs, so this is how they are found.
 */
const RUN_MARK = { name: 'PILOTFISH_TEST_RUN', value: `${process.pid}-${randomUUID()}` };
// A test that fails before it stops its pilotfish must not leave it running: its pipes would keep
// the test file alive forever. SIGKILL to a namespace's PID 1 ends the whole namespace; the jobs
// of a pilotfish that was not PID 1 (or was SIGKILLed by the test) are found by their mark.
after(() => {
  for (const kill of running.values()) kill();
  for (const pid of markedProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone since the scan.
    }
  }
});

function markedProcesses(): number[] {
  const mark = Buffer.from(`${RUN_MARK.name}=${RUN_MARK.value}\0`);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/environ`).includes(mark);
      } catch {
        return false; // Gone, or not ours to read.
      }
    })
    .map(Number);
}

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The source files and packages' modules that went into the npm bundle (esbuild's record, written by scripts/bundle.mjs). */
export function bundledModules(): string[] {
  return Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'dist/bundle.meta.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
}
/**
 * The command under test: $PILOTFISH_TEST_BIN (the single executable, dist/pilotfish, run by
 * test/sea/executable.test.ts), else the package's `bin` (the esbuild bundle), so what ships is what is tested.
 */
export const TEST_BIN = process.env.PILOTFISH_TEST_BIN ? resolve(REPO_ROOT, process.env.PILOTFISH_TEST_BIN) : undefined;
export const CLI = TEST_BIN ?? join(REPO_ROOT, (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: { pilotfish: string } }).bin.pilotfish);
/** How to start the command: the executable itself, or the bundle with this Node. */
export const CLI_COMMAND: readonly string[] = TEST_BIN ? [TEST_BIN] : [process.execPath, CLI];

export interface PilotfishRun {
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  lines: string[];
  output(): string;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
}

export function writeConfig(text: string, name = 'pilotfish.json5'): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-test-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

export interface RunOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as PID 1 of a new PID namespace (needs root). */
  asPid1?: boolean;
  /** What runs pilotfish, instead of `node CLI` (another user's, an installed pilotfish). */
  command?: string[];
}

export function runPilotfish(options: RunOptions = {}): PilotfishRun {
  const [program, ...args] = [...(options.command ?? CLI_COMMAND), ...(options.args ?? [])];
  const [command, argv] = options.asPid1 ? ['unshare', ['--pid', '--fork', '--mount-proc', program, ...args]] : [program, args];
  const child = spawn(command as string, argv as string[], {
    cwd: options.cwd ?? REPO_ROOT,
    // A control socket of its own, so that concurrent tests never share ContainerPilot's default one.
    env: {
      ...process.env,
      PILOTFISH_SOCKET: join(mkdtempSync(join(tmpdir(), 'pilotfish-socket-')), 'control.socket'),
      ...options.env,
      [RUN_MARK.name]: RUN_MARK.value,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
    stream?.on('end', () => partial && lines.push(partial));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  running.set(child, () => {
    try {
      if (options.asPid1 && child.pid !== undefined) process.kill(innerPid(child.pid), 'SIGKILL');
    } catch {
      // The namespace is already gone.
    }
    child.kill('SIGKILL');
  });
  child.once('exit', () => running.delete(child));
  return {
    child,
    lines,
    output: () => lines.join('\n'),
    waitForLine: (pattern, timeoutMs = 20_000) =>
      waitFor(() => lines.find((line) => pattern.test(line)), `a line matching ${pattern} in:\n${lines.join('\n')}`, timeoutMs),
    exited,
    signal: (signal) => {
      // `unshare --fork` ignores SIGTERM/SIGINT itself and forwards nothing: signal its child,
      // the namespace's PID 1, directly (it is visible from our namespace under another pid).
      if (options.asPid1 && child.pid !== undefined) process.kill(innerPid(child.pid), signal);
      else child.kill(signal);
    },
  };
}

export function innerPid(unsharePid: number): number {
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
  const pid = Number(children[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`unshare ${unsharePid} has no child yet`);
  return pid;
}

/** Writes `configText` to a temporary file and runs `pilotfish run` on it. */
export function runConfig(configText: string, options: RunOptions = {}): PilotfishRun & { dir: string } {
  const { dir, file } = writeConfig(configText);
  return { ...runPilotfish({ ...options, args: ['run', '--config', file, ...(options.args ?? [])] }), dir };
}
