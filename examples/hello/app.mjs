// The example's app: a small HTTP server that answers "hello" and a /health endpoint, and
// stops cleanly on SIGTERM (exit 0), as a well-behaved containerised app should. It listens on
// every address (0.0.0.0), so that `docker run -p` and a Kubernetes Service can reach it.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const port = Number(process.env.HELLO_PORT ?? 8080);
const greeting = readFileSync(process.env.HELLO_GREETING_FILE ?? 'greeting.txt', 'utf8').trim();
let requests = 0;

const server = createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  requests += 1;
  response.writeHead(200, { 'content-type': 'text/plain' }).end(`${greeting} (request ${requests})\n`);
});

server.listen(port, '0.0.0.0', () => console.log(`listening on http://0.0.0.0:${port}`));

process.on('SIGTERM', () => {
  console.log('SIGTERM received: closing the server');
  server.close(() => process.exit(0));
});
