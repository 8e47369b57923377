// The HTTP endpoint every benchmark health check calls, in its own process so that serving the
// checks costs the harness nothing and counts against no supervisor. It counts the requests,
// which proves the checks really ran at the configured rate.
import { createServer } from 'node:http';

let requests = 0;
const server = createServer((_request, response) => {
  requests += 1;
  response.end('ok');
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) process.send?.({ port: address.port });
});
process.on('message', () => process.send?.({ requests }));
// Ends with the harness: the IPC channel closes when the parent goes.
process.on('disconnect', () => process.exit(0));
