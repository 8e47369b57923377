// Signal names as users write them: "SIGHUP", "sighup" or "HUP".
import { constants } from 'node:os';

export const SIGNAL_NAMES: readonly string[] = Object.keys(constants.signals);

/** The canonical name (`SIGHUP`), or undefined when this system has no such signal. */
export function toSignalName(name: string): NodeJS.Signals | undefined {
  const upper = name.toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return SIGNAL_NAMES.includes(full) ? (full as NodeJS.Signals) : undefined;
}
