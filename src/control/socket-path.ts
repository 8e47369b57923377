// Where the control socket is. `$PILOTFISH_SOCKET` overrides the config's `control.socket` for the
// supervisor and the CLI alike, so an image can set it once (ENV) and `pilotfish status` finds
// the socket without reading the config.

export const SOCKET_ENV = 'PILOTFISH_SOCKET';

export function controlSocketPath(configured: string, env: Record<string, string | undefined>): string {
  const override = env[SOCKET_ENV];
  return override === undefined || override === '' ? configured : override;
}
