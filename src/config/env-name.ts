/** `my-app` → `MY_APP`, as ContainerPilot derived `CONTAINERPILOT_MY_APP_PID` from a job's name. */
export function envName(jobName: string): string {
  return jobName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
