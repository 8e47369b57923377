// The onChange hook (consul-template's part in the nginx pattern): reads the backend's healthy
// instances from Consul, writes them to $UPSTREAMS_FILE and tells the frontend to reload.
import { writeFileSync } from 'node:fs';

const consul = process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
const entries = await (await fetch(`http://${consul}/v1/health/service/backend?passing`)).json();
const upstreams = entries.map(({ Service, Node }) => ({ address: Service.Address || Node.Address, port: Service.Port }));
writeFileSync(process.env.UPSTREAMS_FILE, JSON.stringify(upstreams));
console.log(`${upstreams.length} backend(s); reloading the frontend`);
// pilotfish gives every job the pids of the running jobs, as ContainerPilot did.
const frontend = Number(process.env.CONTAINERPILOT_FRONTEND_PID);
if (frontend) process.kill(frontend, 'SIGHUP');
