// The nginx of the nginx-upstream pattern, in a few lines: proxies requests to the upstreams
// listed in $UPSTREAMS_FILE, round robin, and re-reads that file on SIGHUP (as `nginx -s reload`).
import { readFileSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';

const port = Number(process.env.FRONTEND_PORT ?? 8080);
const file = process.env.UPSTREAMS_FILE;
let upstreams = [];
let next = 0;

function reload() {
  try {
    upstreams = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    upstreams = [];
  }
  console.log(`upstreams: ${upstreams.map((u) => `${u.address}:${u.port}`).join(', ') || 'none'}`);
}
process.on('SIGHUP', reload);
reload();

createServer((request, response) => {
  if (request.url === '/health') return void response.end('ok');
  const upstream = upstreams[next++ % Math.max(upstreams.length, 1)];
  if (!upstream) {
    response.statusCode = 503;
    return void response.end('no backend available\n');
  }
  const proxied = forward({ host: upstream.address, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  proxied.on('error', () => {
    response.statusCode = 502;
    response.end('backend unreachable\n');
  });
  request.pipe(proxied);
}).listen(port, '127.0.0.1', () => console.log(`frontend listening on 127.0.0.1:${port}`));
