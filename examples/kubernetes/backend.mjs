// The backend: answers every request with the pod it runs in, on the pod's own address.
import { createServer } from 'node:http';

const host = process.env.POD_IP || '127.0.0.1';
const port = Number(process.env.BACKEND_PORT || 8080);
createServer((request, response) => {
  if (request.url === '/health') return void response.end('ok');
  response.end(`hello from ${process.env.POD_NAME || 'the backend'}\n`);
}).listen(port, host, () => console.log(`backend listening on ${host}:${port}`));
