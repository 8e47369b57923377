// Where the control socket is. `$PILOTFISH_SOCKET` overrides the config's `control.socket` for the
// supervisor and the CLI alike, so an image can set it once (ENV) and `pilotfish status` finds
// the socket without reading the config.

const SOCKET_ENV = 'PILOTFISH_SOCKET';

/** `$PILOTFISH_SOCKET`, or undefined when it is unset or empty. */
export function socketOverride(env: Record<string, string | undefined>): string | undefined {
  const override = env[SOCKET_ENV];
  return override === undefined || override === '' ? undefined : override;
}

export function controlSocketPath(configured: string, env: Record<string, string | undefined>): string {
  return socketOverride(env) ?? configured;
}
