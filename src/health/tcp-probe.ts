// A TCP check: passes when a connection is accepted within the timeout; nothing is sent.
import { connect } from 'node:net';
import type { HealthProbe } from '../config/types.js';
import { errorMessage } from '../util/errors.js';
import { sharedLookup } from '../util/shared-lookup.js';
import { timedOutMessage, type ProbeOptions, type ProbeOutcome } from './probe-result.js';

type TcpProbe = Extract<HealthProbe, { type: 'tcp' }>;

export function runTcpProbe(probe: TcpProbe, options: Pick<ProbeOptions, 'timeoutMs'>): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: probe.host, port: probe.port, lookup: sharedLookup });
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, output: timedOutMessage(options.timeoutMs) }), options.timeoutMs);
    socket.once('connect', () => finish({ ok: true, output: `connected to ${probe.host}:${probe.port}` }));
    socket.once('error', (error) => finish({ ok: false, output: errorMessage(error) }));
  });
}
