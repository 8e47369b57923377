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

export function findSocket(flags: { socket?: string; config?: string }, env: Record<string, string | undefined>): string {
  if (flags.socket) return flags.socket;
  // $PILOTFISH_SOCKET overrides the config's control.socket, so the config is read only without it.
  return socketOverride(env) ?? controlSocketPath(configuredSocket(resolveConfigPath(flags.config, env), env) ?? DEFAULT_CONTROL_SOCKET, env);
}

/** `control.socket` as the config file says, or undefined when it says nothing or cannot be read. */
function configuredSocket(file: string, env: Record<string, string | undefined>): string | undefined {
  try {
    const parsed = parseText(renderTemplate(readFileSync(file, 'utf8'), env), documentFormat(file));
    if (!parsed.ok) return undefined;
    const socket = (parsed.value as { control?: { socket?: unknown } } | null)?.control?.socket;
    return typeof socket === 'string' && socket !== '' ? socket : undefined;
  } catch {
    // A client verb still tries the default socket; a broken config is `validate`'s business.
    return undefined;
  }
}
