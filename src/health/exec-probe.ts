// An exec check: the command passes if it exits 0 within the timeout. On timeout its whole
// process group is SIGKILLed (ContainerPilot's behaviour), so a probe that forked helpers does
// not leave them behind to pile up at every interval.
import type { Command } from '../config/types.js';
import { TIMED_OUT, withDeadline } from '../util/deadline.js';
import { OutputTail } from './output-tail.js';
import { timedOutMessage, type ProbeOptions, type ProbeOutcome } from './probe-result.js';

/**
 * How long to wait for a killed probe to be reaped. A process in uninterruptible sleep (a hung
 * NFS read) outlives even SIGKILL for a while; it must not wedge the health monitor.
 */
const KILLED_EXIT_GRACE_MS = 1000;

export async function runExecProbe(command: Command, options: ProbeOptions): Promise<ProbeOutcome> {
  const tail = new OutputTail();
  const child = options.processes.spawn({
    argv: command.argv,
    env: options.env(),
    cwd: options.cwd,
    raw: options.rawOutput,
    onLine: (stream, line) => {
      tail.push(line);
      options.onLine?.(stream, line);
    },
  });

  const status = await withDeadline(child.exited, options.timeoutMs);
  if (status === TIMED_OUT) {
    child.signalGroup('SIGKILL');
    // For the output it printed until then; never for long (see KILLED_EXIT_GRACE_MS).
    await withDeadline(child.exited, KILLED_EXIT_GRACE_MS, { unref: true });
    return { ok: false, output: withOutput(timedOutMessage(options.timeoutMs), tail.toString()) };
  }
  const output = tail.toString();
  // Not the command line, which may carry templated secrets: the error names the program.
  if (status.spawnError) return { ok: false, output: `could not start: ${status.spawnError}` };
  if (status.code === 0) return { ok: true, output };
  const reason = status.signal ? `killed by ${status.signal}` : `exit status ${status.code}`;
  return { ok: false, output: withOutput(reason, output) };
}

function withOutput(reason: string, output: string): string {
  return output ? `${reason}\n${output}` : reason;
}
