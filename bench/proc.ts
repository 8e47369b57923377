// What the kernel says about a supervisor's processes: its tree, memory and CPU time, read from
// /proc so every peer is measured the same way whatever its language.
import { readFileSync, readdirSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** R, S, D, Z (zombie), … */
  state: string;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // comm may contain spaces and parentheses: the fields after it start at the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5): ppid is field 4, utime 14, stime 15.
  return { pid, ppid: Number(fields[1]), comm, state: fields[0] ?? '', cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined);
}

/** `root` and all its descendants, alive now. */
export function processTree(root: number): ProcStat[] {
  const stats = allStats();
  const tree = stats.filter((stat) => stat.pid === root);
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i]!.pid;
    tree.push(...stats.filter((stat) => stat.ppid === parent));
  }
  return tree;
}

/**
 * The supervisor's own processes: the tree minus the jobs it runs. Jobs are recognised by their
 * command name (`sleep`, which every benchmark job execs into), so helper processes a supervisor
 * needs (s6-supervise per service, tini's shell) count as the supervisor's.
 */
export function supervisorProcesses(root: number, jobComm: string): ProcStat[] {
  return processTree(root).filter((stat) => stat.comm !== jobComm);
}

function statusKib(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export interface Memory {
  /** Sum of VmRSS: what `ps` and most dashboards show; counts shared pages once per process. */
  rssMib: number;
  /** Sum of Pss: shared pages split between the processes sharing them; fair for multi-process peers. */
  pssMib: number;
  processes: number;
}

export function memoryOf(processes: ProcStat[]): Memory {
  const kib = (field: (pid: number) => number) => processes.reduce((sum, stat) => sum + field(stat.pid), 0);
  return {
    rssMib: kib((pid) => statusKib(pid, 'status', 'VmRSS')) / 1024,
    pssMib: kib((pid) => statusKib(pid, 'smaps_rollup', 'Pss')) / 1024,
    processes: processes.length,
  };
}

/** CPU seconds (user + system) the processes have used so far. */
export function cpuSecondsOf(processes: ProcStat[]): number {
  return processes.reduce((sum, stat) => sum + (readStat(stat.pid)?.cpuTicks ?? 0), 0) / TICKS_PER_SECOND;
}

/** Whether some process's command line contains `text` (e.g. a `go build` hogging the CPUs). */
export function anyProcessRunning(text: string): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .some((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text);
      } catch {
        return false;
      }
    });
}
