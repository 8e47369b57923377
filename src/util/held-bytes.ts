// What holding a received body costs, for caps on what a peer's answer may make PID 1 hold.

/**
 * What Node holds for each piece of a body beyond its bytes: the HTTP parser copies every piece
 * into a Buffer of its own, kept with its place in a list (measured ~400 bytes). Counted in bytes
 * alone, an answer sent one byte per piece holds ~30 times its cap: 1 M such pieces held 450 MiB.
 */
export const HELD_PIECE_BYTES = 512;

/** What holding `piece` costs: its bytes and the Buffer around them. */
export function heldBytes(piece: Uint8Array): number {
  return piece.length + HELD_PIECE_BYTES;
}
