// Which connections a bounded server keeps once it is full. Turning newcomers away (Node's
// maxConnections closes them, Go's netutil.LimitListener leaves them in the backlog) let a
// slow-header client (slowloris) that reopens what is closed hold every slot: the kubelet's /livez
// was refused 30 times in 30. Instead a newcomer evicts a connection with no request in progress,
// as nginx reclaims idle keep-alive connections when it runs out and Envoy's overload manager
// shortens idle timeouts: one idle between requests or still sending its headers, which a
// legitimate client does in milliseconds. The victim is the longest-waiting of the peer address
// with the most such connections: a share per address, as nginx's limit_conn gives, without
// refusing anyone below the cap, since the kubelet may share its address (the node's, by SNAT)
// with other clients, and behind a sidecar proxy every client has the same one.
import type { Socket } from 'node:net';

export class ConnectionSlots {
  /** Each open connection's peer address and requests waiting for their answers. */
  private readonly open = new Map<Socket, { peer: string | undefined; awaitingAnswers: number }>();
  /** The open connections with no request waiting for its answer, longest-waiting first (a Set keeps insertion order). */
  private readonly withoutRequest = new Set<Socket>();

  constructor(private readonly capacity: number) {}

  /** Takes `socket`, just accepted, and closes one connection if that makes one too many: another, or `socket` if every other is busy. */
  admit(socket: Socket): void {
    this.open.set(socket, { peer: socket.remoteAddress, awaitingAnswers: 0 });
    this.withoutRequest.add(socket);
    socket.once('close', () => this.forget(socket));
    if (this.open.size <= this.capacity) return;
    const victim = this.evictionCandidate();
    this.forget(victim);
    victim.destroy();
  }

  /** Counts a request of `socket` (its headers have come); returns how many of its requests now wait for their answers. */
  requestArrived(socket: Socket): number {
    const connection = this.open.get(socket);
    if (!connection) return 0;
    this.withoutRequest.delete(socket);
    return (connection.awaitingAnswers += 1);
  }

  /** An answer on `socket` is finished (or abandoned): with none left to give, it waits for a request again, as the newest. */
  answered(socket: Socket): void {
    const connection = this.open.get(socket);
    if (!connection) return;
    connection.awaitingAnswers -= 1;
    if (connection.awaitingAnswers === 0) this.withoutRequest.add(socket);
  }

  /** The longest-waiting connection without a request of the peer with the most of them (there is one: the newcomer). */
  private evictionCandidate(): Socket {
    const peerOf = (socket: Socket) => this.open.get(socket)!.peer;
    const waitingByPeer = new Map<string | undefined, number>();
    for (const socket of this.withoutRequest) waitingByPeer.set(peerOf(socket), (waitingByPeer.get(peerOf(socket)) ?? 0) + 1);
    const most = Math.max(...waitingByPeer.values());
    return [...this.withoutRequest].find((socket) => waitingByPeer.get(peerOf(socket)) === most)!;
  }

  private forget(socket: Socket): void {
    this.open.delete(socket);
    this.withoutRequest.delete(socket);
  }
}
