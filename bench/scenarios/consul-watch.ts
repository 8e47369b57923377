// Scenario 5: a change of a service watched in Consul → the hook job running.
import { ConsulAgent } from '../../test/helpers/consul.js';
import { HOOK_LAG_METRICS, measureHookLags } from '../hook-lag.js';
import { withLaunch } from '../instance.js';
import { sleep } from '../sleep.js';
import { JOB_COMM } from '../workload.js';
import { peerRequirement } from './peers.js';
import type { Scenario } from './types.js';

/**
 * A watch's `interval`, in seconds: ContainerPilot polls at it; pilotfish's blocking queries only
 * use it as their wait bound. A bare number, as ContainerPilot 3 reads only integers there.
 */
const WATCH_INTERVAL_S = 10;
/**
 * Between one change's hook and the next change. pilotfish rate-limits each watch's queries (a
 * burst of 2, then 1 per second, src/discovery/blocking-query.ts), so changes closer together
 * than that wait for the limiter (300 ms apart measured a p50 of 698 ms): the scenario measures
 * the latency of a change, not the limiter.
 */
const CHANGE_SPACING_MS = 1500;

export const consulWatch: Scenario = {
  id: '5',
  title: 'Consul: watched service change → hook running',
  method:
    `a real Consul agent (\`consul agent -dev\`, test/peers); one watch of service \`backend\` (interval ${WATCH_INTERVAL_S} s) and a hook job on its \`changed\` event; ` +
    "each change registers one more instance through the agent's HTTP API; from just before that request to the hook's announcement. " +
    `20 changes (quick: 3) on one supervisor, ${CHANGE_SPACING_MS} ms apart (the watch's rate limit refills at 1 query/s); p50 and min–max over the changes`,
  capabilities: ['consul-watches'],
  requires: [peerRequirement('consul')],
  metrics: HOOK_LAG_METRICS,
  runs: { full: 1, quick: 1 },
  async measure(supervisor, context) {
    const consul = await ConsulAgent.start();
    try {
      const config = (announce: (name: string) => string) => ({
        consul: consul.address,
        watches: [{ name: 'backend', interval: WATCH_INTERVAL_S }],
        jobs: [
          { name: 'keeper', exec: ['/bin/sh', '-c', `${announce('keeper')}; exec ${JOB_COMM} 1000000`] },
          { name: 'on-change', exec: ['/bin/sh', '-c', announce('on-change')], when: { source: 'watch.backend', each: 'changed' } },
        ],
      });
      return await withLaunch(supervisor.name, (starts, dir) => supervisor.prepareConfig!(config((name) => starts.announceCommand(name)), dir), async (instance) => {
        await instance.started(1);
        // The watch's first answer (no instance yet) is not a change; let it arrive first.
        await sleep(1000);
        return measureHookLags(instance, {
          changes: context.quick ? 3 : 20,
          spacingMs: CHANGE_SPACING_MS,
          hook: 'on-change',
          change: (change) => consul.put('/v1/agent/service/register', { ID: `backend-${change}`, Name: 'backend', Address: '127.0.0.1', Port: 9000 + change }),
        });
      });
    } finally {
      await consul.stop();
    }
  },
};
