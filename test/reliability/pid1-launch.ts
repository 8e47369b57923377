// Starting the shipped `pilotfish` executable exactly as a container does (the file itself, so its
// launcher line picks `node` from PATH and its flags), optionally as PID 1, and knowing when its
// JavaScript began: a preloaded marker writes to fd 3 once the program has added its first SIGTERM
// listener (after that synchronous step) or Node's event loop first turns, whichever is first.
// Before that, Node itself is starting (no JavaScript can shorten that), and a signal meets Node's
// default action. (Node 20 turns its loop while it loads an ES module entry; Node 24 may load a
// whole import chain first.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/pilotfish.js';
import { sleep, waitFor } from '../helpers/wait.js';

const MARKER = join(mkdtempSync(join(tmpdir(), 'pilotfish-marker-')), 'marker.cjs');
writeFileSync(
  MARKER,
  `let marked = false;
  const mark = () => { if (!marked) { marked = true; try { require('node:fs').writeSync(3, 'js\\n'); } catch {} } };
  process.on('newListener', (event) => { if (event === 'SIGTERM') queueMicrotask(mark); });
  setImmediate(mark);\n`,
);

export interface Launched {
  child: ChildProcess;
  lines: string[];
  output(): string;
  /** The pid the signals go to: pilotfish itself (inside the namespace when PID 1). */
  target(): Promise<number>;
  /** Resolves when pilotfish's JavaScript is running (the marker came). */
  javascript: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export interface LaunchOptions {
  asPid1?: boolean;
  /** A command that runs pilotfish (e.g. `prlimit --nofile=1024 --`); not with asPid1. */
  wrapper?: string[];
}

export function launch(configText: string, options: LaunchOptions = {}): Launched & { dir: string; socket: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-launch-'));
  writeFileSync(join(dir, 'pilotfish.json5'), configText);
  const args = ['run', '--config', join(dir, 'pilotfish.json5')];
  const socket = join(dir, 'control.socket');
  const [command, ...argv] = options.asPid1 ? ['unshare', '--pid', '--fork', '--mount-proc', CLI, ...args] : [...(options.wrapper ?? []), CLI, ...args];
  const child = spawn(command!, argv, {
    env: { ...process.env, PILOTFISH_SOCKET: socket, NODE_OPTIONS: `--require ${MARKER}` },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const javascript = new Promise<void>((resolve, reject) => {
    const marker = child.stdio[3] as NodeJS.ReadableStream;
    marker.once('data', () => resolve());
    void exited.then(() => reject(new Error(`pilotfish exited before running JavaScript:\n${lines.join('\n')}`)));
  });
  javascript.catch(() => undefined);
  let inner: number | undefined;
  return {
    dir,
    socket,
    child,
    lines,
    output: () => lines.join('\n'),
    javascript,
    exited,
    // Generous: a loaded machine can take many seconds to start Node and pilotfish.
    waitForLine: (pattern, timeoutMs = 30_000) =>
      waitFor(() => lines.find((line) => pattern.test(line)), `a line matching ${pattern} in:\n${lines.join('\n')}`, timeoutMs),
    async target() {
      if (!options.asPid1) return child.pid!;
      // unshare's only child is the namespace's PID 1, visible here under another pid.
      inner ??= await waitFor(() => {
        const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      }, 'the namespace PID 1', 15_000, 1);
      return inner;
    },
  };
}

/** Whether anything accepts a connection on 127.0.0.1:`port` (Node's inspector default is 9229). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs `task` over `items`, `width` at a time (the machine is shared: not all at once). */
export async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += width) await Promise.all(items.slice(index, index + width).map(task));
}

export { sleep };
