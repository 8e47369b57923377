// Processes that outlive every job: a daemon that left its job's process group (setsid, a double
// fork) is not stopped with the job. Before pilotfish exits they are found here, to get SIGTERM
// and then SIGKILL as s6 gives them at its stage 3: as PID 1, the kernel would SIGKILL them
// without warning when we exit; as a subreaper, they would be reparented to the real init and run on.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { escapeControls } from '../logging/format.js';
import { parseStat } from './reaper.js';

export interface Straggler {
  pid: number;
  /** Its process group: a straggler's children forked since it was found are in it too. */
  pgid: number;
  /** The program's name as the kernel keeps it (comm, at most 15 bytes). */
  name: string;
}

/**
 * What is left besides pilotfish: its descendants, which as PID 1 are every other process of its
 * PID namespace. Zombies are the reaper's, not stragglers (but a process whose first thread ended
 * while others run is not a zombie). Undefined when /proc cannot be read (no descriptor left):
 * nothing is known then, which is not the same as nothing left. Only for a /proc of our own PID
 * namespace (the reaper's mode says so): a pid read from another's would name someone else's process.
 */
export function findStragglers(selfPid = process.pid): Straggler[] | undefined {
  try {
    const childrenOf = existsSync(`/proc/${selfPid}/task/${selfPid}/children`) ? childrenFromTasks : childrenFromScan();
    const found: Straggler[] = [];
    for (let queue = childrenOf(selfPid), pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      const straggler = stragglerAt(pid);
      if (straggler) found.push(straggler);
      queue.push(...childrenOf(pid));
    }
    return found.sort((a, b) => a.pid - b.pid);
  } catch {
    return undefined;
  }
}

/** The children of every thread of `pid` (CONFIG_PROC_CHILDREN): the walk reads only our tree. */
function childrenFromTasks(pid: number): number[] {
  return ifPresent(() =>
    readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      const text = ifPresent(() => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim()) ?? '';
      return text === '' ? [] : text.split(' ').map(Number);
    }),
  ) ?? [];
}

/** Without that file: one scan of /proc, indexed by parent. */
function childrenFromScan(): (pid: number) => number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = ifPresent(() => parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    if (!stat) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(Number(entry));
    else children.set(stat.ppid, [Number(entry)]);
  }
  return (pid) => children.get(pid) ?? [];
}

function stragglerAt(pid: number): Straggler | undefined {
  const stat = ifPresent(() => parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  if (!stat) return undefined;
  if (stat.state === 'Z' && (ifPresent(() => readdirSync(`/proc/${pid}/task`).length) ?? 0) <= 1) return undefined;
  return { pid, pgid: stat.pgid, name: stat.name };
}

/** `read()`, or undefined when the process it reads about has gone meanwhile; other errors (EMFILE) are thrown. */
function ifPresent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
}

/** `pid (name), …` for a log line, the first `limit` of them, control characters in names escaped. */
export function describeStragglers(stragglers: readonly Straggler[], limit = 10): string {
  const shown = stragglers.slice(0, limit).map(({ pid, name }) => `${pid} (${escapeControls(name)})`);
  return stragglers.length > limit ? `${shown.join(', ')} and ${stragglers.length - limit} more` : shown.join(', ');
}

/** SIGTERM and SIGCONT (a stopped process would never see the SIGTERM) to each of them. */
export function terminateStragglers(stragglers: readonly Straggler[]): void {
  const pids = stragglers.map(({ pid }) => pid);
  signalEach(pids, 'SIGTERM');
  signalEach(pids, 'SIGCONT');
}

/** SIGKILL to each of them and to their process groups (what they forked since is in them), never to pilotfish's own group. */
export function killStragglers(stragglers: readonly Straggler[]): void {
  const own = ownProcessGroup();
  const groups = own === undefined ? [] : [...new Set(stragglers.map(({ pgid }) => pgid))].filter((pgid) => pgid > 1 && pgid !== own);
  signalEach([...stragglers.map(({ pid }) => pid), ...groups.map((pgid) => -pgid)], 'SIGKILL');
}

/** Sends `signal` to each pid (a negative one: a process group); one gone meanwhile is no error. */
function signalEach(targets: readonly number[], signal: NodeJS.Signals): void {
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch {
      // ESRCH: it has exited since it was found.
    }
  }
}

/** Pilotfish's own process group; undefined if /proc cannot tell. */
function ownProcessGroup(): number | undefined {
  try {
    return parseStat(readFileSync('/proc/self/stat', 'utf8')).pgid;
  } catch {
    return undefined;
  }
}
