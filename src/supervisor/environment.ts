// The environment a job's process starts with: the supervisor's own, the variables set at run
// time through the control plane, ContainerPilot's well-known variables (under pilotfish's
// names too), and the job's own `env` last, so a config always has the final word.

export interface EnvironmentInput {
  base: NodeJS.ProcessEnv;
  /** Variables set while running (ContainerPilot's putenv). */
  overlay: Readonly<Record<string, string>>;
  supervisorPid: number;
  /** Pids of the jobs that have a process right now. */
  runningPids: ReadonlyMap<string, number>;
  jobEnv: Readonly<Record<string, string>>;
  notifySocket?: string;
}

/** `my-app` → `MY_APP`, as ContainerPilot derived `CONTAINERPILOT_MY_APP_PID`. */
export function envName(jobName: string): string {
  return jobName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function jobEnvironment(input: EnvironmentInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...input.base, ...input.overlay };
  env.CONTAINERPILOT_PID = String(input.supervisorPid);
  env.PILOTFISH_PID = String(input.supervisorPid);
  for (const [name, pid] of input.runningPids) {
    env[`CONTAINERPILOT_${envName(name)}_PID`] = String(pid);
    env[`PILOTFISH_${envName(name)}_PID`] = String(pid);
  }
  if (input.notifySocket) env.NOTIFY_SOCKET = input.notifySocket;
  else delete env.NOTIFY_SOCKET;
  return { ...env, ...input.jobEnv };
}
