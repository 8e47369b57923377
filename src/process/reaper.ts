// Reaping orphaned processes as PID 1 (or as a child subreaper), without breaking child_process.
//
// libuv only ever waitpid()s its own children, so orphans that a job leaves behind and that get
// reparented to us would stay zombies forever. A plain waitpid(-1) would fix that and break
// child_process instead: it would steal the exit status of a job, libuv would then get ECHILD
// and never emit 'exit' (libuv #4179). So we find our zombie children without reaping them
// (waitid with WNOWAIT, and through /proc when a zombie of our own stands in its way) and
// waitpid() only the ones we did not spawn ourselves; libuv keeps reaping its own. When /proc
// cannot be read (no descriptor left: EMFILE, ENFILE; ENOMEM), waitid alone goes on, which needs
// none: reaping must go on exactly when things go wrong.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { exitCodeOfSignal } from './exit-status.js';
import { loadLibc, type Libc } from './libc.js';

export interface ReaperOptions {
  /** Whether a pid is one of our own spawned children (ProcessTable.owns), which libuv reaps and we must never wait on. */
  isOwned: (pid: number) => boolean;
  /** Called for every orphan reaped, with its exit code or 128+signal. */
  onReaped?: (pid: number, exitCode: number) => void;
  /** Safety-net sweep interval; SIGCHLD does the prompt work. */
  sweepIntervalMs?: number;
  /** Called with why when /proc becomes unreadable (the fallback takes over), and with undefined once it is readable again. */
  onDegraded?: (reason: string | undefined) => void;
}

export interface Reaper {
  readonly mode: 'pid1' | 'subreaper' | 'unavailable';
  /** Why the mode is 'unavailable', for the caller's log. */
  readonly reason?: string;
  /** Reaps every zombie child not owned right now; returns how many were reaped. */
  reapZombies(): number;
  stop(): void;
}

const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
/** siginfo_t is 128 bytes; si_pid follows si_signo, si_errno, si_code and, on 64-bit, padding. */
const SIGINFO_BYTES = 128;
const SI_PID_OFFSET = process.arch === 'x64' || process.arch === 'arm64' ? 16 : 12;
const DEFAULT_SWEEP_INTERVAL_MS = 1000;

/** The exit code a raw wait status stands for: the exit status, or 128+signal like a shell reports. */
export function decodeWaitStatus(status: number): number {
  const termSignal = status & 0x7f;
  // Without WUNTRACED/WCONTINUED, waitpid only reports terminations: exited or signalled.
  return termSignal === 0 ? (status >> 8) & 0xff : exitCodeOfSignal(termSignal);
}

/**
 * Pids of our zombie children, from /proc/self/task/<tid>/children (CONFIG_PROC_CHILDREN):
 * a child is listed under the thread that forked it, so every thread's file is read.
 */
export function zombieChildrenFromTasks(): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let children: string;
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch (error) {
      if (isGone(error)) continue; // The thread exited since the listing.
      throw error;
    }
    for (const field of children.split(' ')) {
      if (field === '') continue;
      const pid = Number(field);
      if (readStat(pid)?.state === 'Z') pids.push(pid);
    }
  }
  return pids;
}

/** The same, for kernels without the children files: every process whose parent is `selfPid`. */
export function zombieChildrenFromProcScan(selfPid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = readStat(pid);
    if (stat?.state === 'Z' && stat.ppid === selfPid) pids.push(pid);
  }
  return pids;
}

/** State and parent of a process from /proc/<pid>/stat; undefined once it is gone. */
function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (error) {
    if (isGone(error)) return undefined;
    // Anything else (EMFILE…) means we cannot tell: the caller must not take "no zombie" for an answer.
    throw error;
  }
}

/** A process or thread that exited since it was listed; any other failure is not an answer. */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Name, state, parent and process group from the text of a /proc/<pid>/stat: "pid (comm) state
 * ppid pgrp …". comm is the program's name, which may hold spaces and parentheses, so the fields
 * start after the last ')'.
 */
export function parseStat(stat: string): { name: string; state: string; ppid: number; pgid: number } {
  const [state = '', ppid = '', pgid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state, ppid: Number(ppid), pgid: Number(pgid) };
}

function unavailable(reason: string): Reaper {
  return { mode: 'unavailable', reason, reapZombies: () => 0, stop: () => undefined };
}

export async function startReaper(options: ReaperOptions): Promise<Reaper> {
  // Both lookups below give pids as /proc's namespace numbers them; waitpid() needs ours. They
  // differ only when /proc was mounted for another PID namespace (unshare --pid without
  // --mount-proc), and then no pid found there can be trusted.
  let procSelf: string;
  try {
    procSelf = readlinkSync('/proc/self');
  } catch {
    return unavailable('/proc is not mounted');
  }
  if (procSelf !== String(process.pid)) return unavailable('/proc belongs to another PID namespace');

  let libc: Libc;
  try {
    libc = await loadLibc();
  } catch (error) {
    return unavailable(`cannot call libc through koffi: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { waitpid, waitid } = libc;
  const mode = process.pid === 1 ? 'pid1' : 'subreaper';
  // Orphans of our jobs then reparent to us instead of to the real init (like tini -s).
  if (mode === 'subreaper' && libc.setChildSubreaper(true) !== 0) {
    return unavailable(`prctl(PR_SET_CHILD_SUBREAPER) failed with errno ${libc.errno()}`);
  }

  const listZombies = existsSync(`/proc/self/task/${process.pid}/children`)
    ? zombieChildrenFromTasks
    : () => zombieChildrenFromProcScan(process.pid);

  /** Reaps `pid` if it is an orphan's zombie; whether it did. */
  const reapOrphan = (pid: number): boolean => {
    // Checked now, not when the pid was listed: a job spawned a moment ago is already owned,
    // since spawn() records its pid synchronously and this sweep runs in the same thread.
    if (options.isOwned(pid)) return false;
    const status: [number] = [0];
    // WNOHANG: never block the loop. Anything but `pid` back means there is nothing to reap
    // (it was not our zombie after all, or is gone), and nothing was taken from anyone.
    if (waitpid(pid, status, WNOHANG) !== pid) return false;
    options.onReaped?.(pid, decodeWaitStatus(status[0]));
    return true;
  };

  // waitid(WNOWAIT) names a zombie child without reaping it, and needs no /proc. It names one at
  // a time, the same one until it is reaped, so it stops at one of ours (libuv reaps that one in
  // this same turn of the loop). It comes first: an orphan's death then costs one call, where
  // listing zombies reads every child's /proc/<pid>/stat (16 000 live daemons: ~0.9 s a sweep).
  const info = Buffer.alloc(SIGINFO_BYTES);
  const reapThroughWaitid = (): { reaped: number; blocked: boolean } => {
    for (let reaped = 0; ; reaped++) {
      info.fill(0);
      // A failure other than "no children" says nothing: the listing must look.
      if (waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) !== 0) return { reaped, blocked: libc.errno() !== libc.errnoCodes.ECHILD };
      const pid = info.readInt32LE(SI_PID_OFFSET);
      if (pid <= 0) return { reaped, blocked: false };
      if (!reapOrphan(pid)) return { reaped, blocked: true };
    }
  };

  let degraded = false;
  const reapZombies = (): number => {
    const { reaped, blocked } = reapThroughWaitid();
    // Only a zombie of ours in the way: orphans may wait behind it, and the listing finds them.
    if (!blocked) return reaped;
    let zombies: number[];
    try {
      zombies = listZombies();
    } catch (error) {
      // The next sweep, once libuv has reaped its own, gets past it through waitid.
      if (!degraded) options.onDegraded?.((error as Error).message);
      degraded = true;
      return reaped;
    }
    if (degraded) options.onDegraded?.(undefined);
    degraded = false;
    return reaped + zombies.filter(reapOrphan).length;
  };

  // SIGCHLD comes in bursts (an orphan storm); one sweep per turn of the loop handles them all.
  let pending: NodeJS.Immediate | undefined;
  const onSigchld = () => {
    pending ??= setImmediate(() => {
      pending = undefined;
      reapZombies();
    });
  };
  process.on('SIGCHLD', onSigchld);
  // Safety net for anything SIGCHLD did not cover; never keeps the process alive.
  const timer = setInterval(reapZombies, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS).unref();
  // Orphans may already be waiting: the reaper starts after the first jobs.
  reapZombies();

  return {
    mode,
    reapZombies,
    stop() {
      process.off('SIGCHLD', onSigchld);
      clearInterval(timer);
      if (pending) clearImmediate(pending);
      pending = undefined;
      // Nobody sweeps any more: let later orphans go to the real init instead of piling up here.
      if (mode === 'subreaper') libc.setChildSubreaper(false);
    },
  };
}
