// systemd's sd_notify protocol, served to the jobs that opt in (`notify: true`). The supervisor
// binds one socket per such job and sets NOTIFY_SOCKET=<path> in that job's environment, so a
// message's sender is known from the socket it arrived on, without peer credentials. What the
// app sends (systemd-notify, libsystemd's sd_notify, the sd-notify npm package) is a datagram of
// newline-separated KEY=VALUE assignments: READY=1, STATUS=…, STOPPING=1, MAINPID=…, ERRNO=…
// (sd_notify(3)). Only filesystem paths are served, not abstract (`@…`) addresses.
import { chmodSync } from 'node:fs';
import { receiveUnixDatagrams } from './unix-datagram.js';

export interface NotifySocket {
  readonly path: string;
  close(): Promise<void>;
}

export type NotifyFields = Record<string, string>;

/**
 * Binds a notify socket at `path`, replacing a stale socket file there, and calls `onMessage`
 * with the fields of each message. The file is removed on close.
 */
export async function openNotifySocket(path: string, onMessage: (fields: NotifyFields) => void): Promise<NotifySocket> {
  const receiver = await receiveUnixDatagrams(path, (datagram) => onMessage(parseNotifyMessage(datagram.toString('utf8'))));
  // Sending needs write permission on the socket file, and many apps drop root before they are
  // ready (gosu, su-exec, nginx and postgres workers), as services with User= do under systemd.
  // Anyone may write to the file; the directory the supervisor picks limits who can reach it.
  try {
    chmodSync(path, 0o666);
  } catch (error) {
    receiver.close();
    throw error;
  }
  return {
    path,
    close: async () => receiver.close(),
  };
}

/** Lines without `=` or with an empty key are ignored, as systemd ignores them; a repeated key's last value wins. */
export function parseNotifyMessage(text: string): NotifyFields {
  const assignments = text.split('\n').flatMap((line) => {
    const equals = line.indexOf('=');
    return equals > 0 ? [[line.slice(0, equals), line.slice(equals + 1)] as const] : [];
  });
  // fromEntries defines own properties, so a `__proto__=` line cannot reach the prototype.
  return Object.fromEntries(assignments);
}
