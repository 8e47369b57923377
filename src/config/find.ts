// Where the config file is: `--config`, then `$PILOTFISH_CONFIG`, then `$CONTAINERPILOT` (so a
// ContainerPilot image keeps working unchanged), then `./pilotfish.json5`.

export const DEFAULT_CONFIG_PATH = './pilotfish.json5';

/** The path the flag or the environment names; empty values count as unset, as an `ENV VAR=` line in a Dockerfile leaves them. */
export function namedConfigPath(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const candidates = [flag, env['PILOTFISH_CONFIG'], env['CONTAINERPILOT']];
  return candidates.find((candidate) => candidate !== undefined && candidate !== '');
}

/** The path to load. */
export function resolveConfigPath(flag: string | undefined, env: Record<string, string | undefined>): string {
  return namedConfigPath(flag, env) ?? DEFAULT_CONFIG_PATH;
}
