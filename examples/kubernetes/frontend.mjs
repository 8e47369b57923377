// The frontend: proxies each request to the next upstream, round robin. The upstreams are the
// `host:port,host:port` list in $UPSTREAMS_FILE, read at start and again on SIGHUP.
import { readFileSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';

let upstreams = [];
let turn = 0;

function readUpstreams() {
  let text = '';
  try {
    text = readFileSync(process.env.UPSTREAMS_FILE, 'utf8').trim();
  } catch {
    // No list yet: the hook writes it on the backend's first change.
  }
  upstreams = text === '' ? [] : text.split(',').map((entry) => new URL(`http://${entry}`));
  console.log(`proxying to ${upstreams.map((url) => url.host).join(' ') || 'nothing yet'}`);
}
process.on('SIGHUP', readUpstreams);
readUpstreams();

createServer((request, response) => {
  if (request.url === '/health') return void response.end('ok');
  const upstream = upstreams[turn++ % Math.max(1, upstreams.length)];
  if (!upstream) return void response.writeHead(503).end('no backend is ready\n');
  const proxied = forward({ host: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  proxied.on('error', () => response.writeHead(502).end('the backend did not answer\n'));
  request.pipe(proxied);
}).listen(Number(process.env.FRONTEND_PORT || 8000), () => console.log(`frontend listening on port ${process.env.FRONTEND_PORT || 8000}`));
