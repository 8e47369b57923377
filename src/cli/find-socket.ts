// Where the CLI finds the control socket: `--socket`, else `$PILOTFISH_SOCKET`, else the config's
// `control.socket`, else ContainerPilot's default, which for a user who cannot create it is the
// per-user path the supervisor picks the same way (src/control/socket-path.ts). The config is only rendered and parsed, not
// validated: loading the schema (zod) would cost a client verb more than everything else it does.
import { readFileSync } from 'node:fs';
import { DEFAULT_CONTROL_SOCKET } from '../config/build.js';
import { resolveConfigPath } from '../config/find.js';
import { documentFormat, parseText } from '../config/parse.js';
import { renderTemplate } from '../config/template.js';
import { controlSocketPath, socketOverride } from '../control/socket-path.js';

/** The config that `--config` names cannot be read: the verb is not sent anywhere. */
export class UnreadableConfigError extends Error {}

export function findSocket(flags: { socket?: string; config?: string }, env: Record<string, string | undefined>): string {
  if (flags.socket) return flags.socket;
  // $PILOTFISH_SOCKET overrides the config's control.socket, so the config is read only without it.
  const named = flags.config !== undefined && flags.config !== '';
  return socketOverride(env) ?? controlSocketPath(configuredSocket(resolveConfigPath(flags.config, env), env, named) ?? DEFAULT_CONTROL_SOCKET, env);
}

/**
 * `control.socket` as the config file says, or undefined when it says nothing or cannot be read;
 * a file `--config` names must be readable (UnreadableConfigError), as for `run`: a typo in its
 * path sent the verb to whatever pilotfish listens on the default socket.
 */
function configuredSocket(file: string, env: Record<string, string | undefined>, named: boolean): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (named) throw new UnreadableConfigError(`${file}: cannot read the config file: ${(error as Error).message}`);
    return undefined;
  }
  try {
    const parsed = parseText(renderTemplate(text, env), documentFormat(file));
    if (!parsed.ok) return undefined;
    const socket = (parsed.value as { control?: { socket?: unknown } } | null)?.control?.socket;
    return typeof socket === 'string' && socket !== '' ? socket : undefined;
  } catch {
    // A client verb still tries the default socket; a broken config is `validate`'s business.
    return undefined;
  }
}
