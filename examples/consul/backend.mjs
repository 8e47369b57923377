// The upstream service: answers every request with who it is.
import { createServer } from 'node:http';

const port = Number(process.env.BACKEND_PORT ?? 9001);
createServer((request, response) => {
  if (request.url === '/health') return void response.end('ok');
  response.end(`hello from the backend on port ${port}\n`);
}).listen(port, '127.0.0.1', () => console.log(`backend listening on 127.0.0.1:${port}`));
