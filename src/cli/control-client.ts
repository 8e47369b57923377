// The CLI's side of the control socket: one HTTP request over the unix socket, or a stream of
// JSON lines for `logs --follow`. Only node:http is loaded, so client verbs start fast. Nothing is
// sent before the socket has proved to be root's or ours.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { isTrustedUid, peerUid, unsafeSocketDirectory, untrustedSocketFile } from '../control/socket-path.js';

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

  private async open(method: 'GET' | 'POST', path: string, body?: unknown): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const socket = await this.connectTrusted();
    return new Promise((resolve, reject) => {
      const request = httpRequest({
        createConnection: () => socket,
        method,
        path,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      });
      request.once('response', resolve);
      request.once('error', (error) => reject(this.unreachable(error)));
      request.end(payload);
    });
  }

  /** A connection to the socket, once both the file and the process serving it are root's or ours. */
  private async connectTrusted(): Promise<Socket> {
    let untrusted: string | undefined;
    let replaceable: string | undefined;
    try {
      untrusted = untrustedSocketFile(this.socket);
      replaceable = unsafeSocketDirectory(this.socket);
    } catch (error) {
      throw this.unreachable(error as Error);
    }
    if (untrusted) throw new UnreachableError(`refusing to talk to ${this.socket}: ${untrusted} (another user may be listening there)`);
    const socket = connect(this.socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(this.unreachable(error)));
    });
    // Where another user could have swapped the file since it was checked, ask the kernel who is
    // serving it. Elsewhere the file's owner is the answer, and koffi (slow to load) is not needed.
    const uid = replaceable === undefined ? undefined : await peerUid(socket);
    if (uid !== undefined && !isTrustedUid(uid)) {
      socket.destroy();
      throw new UnreachableError(`refusing to talk to ${this.socket}: it is served by a process of uid ${uid}, not root or uid ${process.geteuid?.()}`);
    }
    return socket;
  }

  private unreachable(error: NodeJS.ErrnoException): UnreachableError {
    const hint = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? ' (is pilotfish running? --socket or $PILOTFISH_SOCKET name another socket)' : '';
    return new UnreachableError(`cannot reach pilotfish at ${this.socket}: ${error.message}${hint}`);
  }
}

async function readResponse(response: IncomingMessage): Promise<ControlResponse> {
  let text = '';
  for await (const chunk of response.setEncoding('utf8')) text += chunk as string;
  return { status: response.statusCode ?? 0, body: text };
}
