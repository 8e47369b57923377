// What the numbers were measured on: they mean little without it.
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { anyProcessRunning } from '../proc.js';

export function describeMachine(): Record<string, string | number | boolean> {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    // A Go build on a 2-core machine skews every number; the report says if one was running.
    goBuildRunning: anyProcessRunning('go build'),
  };
}
