// Processes that outlive every job: a daemon that left its job's process group (setsid, a double
// fork) is not stopped with the job. Before pilotfish exits they are found here, to get SIGTERM
// and then SIGKILL as s6 gives them at its stage 3: as PID 1, the kernel would SIGKILL them
// without warning when we exit; as a subreaper, they would be reparented to the real init and run on.
import { readFileSync, readdirSync } from 'node:fs';
import { parseStat } from './reaper.js';

export interface Straggler {
  pid: number;
  /** The program's name as the kernel keeps it (comm, at most 15 bytes). */
  name: string;
}

/**
 * What is left besides pilotfish: as PID 1 every other process of its PID namespace, otherwise its
 * descendants. Zombies are the reaper's, not stragglers. Only for a /proc of our own PID namespace
 * (the reaper's mode says so): a pid read from another's would name someone else's process.
 */
export function findStragglers(scope: 'namespace' | 'descendants', selfPid = process.pid): Straggler[] {
  const table = new Map<number, { ppid: number; name: string }>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return []; // Unreadable (no descriptor left): nothing can be found, and as PID 1 the kernel still ends them.
  }
  for (const entry of names) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone since the listing.
    }
    const { state, ppid } = parseStat(stat);
    if (state !== 'Z') table.set(Number(entry), { ppid, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
  }
  table.delete(selfPid);
  const found = scope === 'namespace' ? [...table.keys()] : descendants(table, selfPid);
  return found.sort((a, b) => a - b).map((pid) => ({ pid, name: table.get(pid)?.name ?? '' }));
}

function descendants(table: ReadonlyMap<number, { ppid: number }>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const found: number[] = [];
  for (let queue = [root], pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** `pid (name), …` for a log line, the first `limit` of them. */
export function describeStragglers(stragglers: readonly Straggler[], limit = 10): string {
  const shown = stragglers.slice(0, limit).map(({ pid, name }) => `${pid} (${name})`);
  return stragglers.length > limit ? `${shown.join(', ')} and ${stragglers.length - limit} more` : shown.join(', ');
}
