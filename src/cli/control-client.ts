// The CLI's side of the control socket: one HTTP request over the unix socket, or a stream of
// JSON lines for `logs --follow`. Only node:http is loaded, so client verbs start fast.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface ControlResponse {
  status: number;
  body: string;
}

/** Thrown when pilotfish cannot be reached at all (as opposed to answering with an error). */
export class UnreachableError extends Error {}

export class ControlClient {
  constructor(readonly socket: string) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlResponse> {
    return readResponse(await this.open(method, path, body));
  }

  /** Calls `onLine` with each line of the answer as it arrives; resolves when the server ends it. */
  async stream(path: string, onLine: (line: string) => void): Promise<ControlResponse> {
    const response = await this.open('GET', path);
    if (response.statusCode !== 200) return readResponse(response);
    let partial = '';
    try {
      for await (const chunk of response.setEncoding('utf8')) {
        const lines = (partial + (chunk as string)).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      }
    } catch {
      // The supervisor went away mid-stream (it exited): that ends the stream too.
    }
    return { status: 200, body: '' };
  }

  private open(method: 'GET' | 'POST', path: string, body?: unknown): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = httpRequest({
        socketPath: this.socket,
        method,
        path,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      });
      request.once('response', resolve);
      request.once('error', (error: NodeJS.ErrnoException) => {
        const hint = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? ' (is pilotfish running? --socket or $PILOTFISH_SOCKET name another socket)' : '';
        reject(new UnreachableError(`cannot reach pilotfish at ${this.socket}: ${error.message}${hint}`));
      });
      request.end(payload);
    });
  }
}

async function readResponse(response: IncomingMessage): Promise<ControlResponse> {
  let text = '';
  for await (const chunk of response.setEncoding('utf8')) text += chunk as string;
  return { status: response.statusCode ?? 0, body: text };
}
