// A reply sent one byte per piece, as a broken proxy or a hostile server may: each byte is an HTTP
// chunk of its own, which Node's client receives as a Buffer of its own (~400 bytes to hold one).
// And what such a reply makes this process hold at the most.
import type { ServerResponse } from 'node:http';

/**
 * Answers 200 with `head`, then `pieces` one-byte chunks (spaces), one per turn of the event loop as
 * a slow peer sends them, then `tail`, unless the client leaves first; resolves with how many pieces
 * were sent. Paced so, each piece reaches the client in a read of its own: a reader that takes
 * what has arrived at once (a stream's async iterator joins the pieces it finds waiting) takes them
 * one at a time.
 */
export function piecemeal(response: ServerResponse, head: string, pieces: number, tail: string): Promise<number> {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.write(head);
  let sent = 0;
  return new Promise((resolve) => {
    response.on('close', () => resolve(sent));
    const more = () => {
      if (response.destroyed) return;
      if (sent === pieces) return void response.end(tail);
      sent += 1;
      if (response.write(' ')) setImmediate(more);
      else response.once('drain', more);
    };
    more();
  });
}

/** How far the process's resident memory rose above what it is now, at the most, while `during` ran. */
export async function peakRssGrowth(during: Promise<unknown>): Promise<number> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    await during;
  } finally {
    clearInterval(sample);
  }
  return Math.max(peak, process.memoryUsage.rss()) - before;
}
