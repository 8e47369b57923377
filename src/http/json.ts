// JSON over HTTP, shared by the control socket, telemetry and the probes: bounded request bodies
// and errors that say what was wrong.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { heldBytes } from '../util/held-bytes.js';

/** A request the server refuses, with the status and the message the client sees. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Requests to the control plane are small; anything bigger is a mistake or abuse. */
const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendError(response: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) sendJson(response, error.status, { error: error.message });
  else sendJson(response, 500, { error: `internal error: ${(error as Error).message}` });
}

/**
 * The request body as text; 413 past `limit` bytes, or once holding its pieces would take more
 * (each piece costs a Buffer of its own: a body sent a byte per chunk held ~30 times its size).
 * Checked as it arrives, not after.
 */
async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    held += heldBytes(chunk);
    // Holding a body takes at least its size: what passed the limit says which message fits.
    if (held > limit) throw size > limit ? tooLarge(limit) : new HttpError(413, `the request body came in too many pieces: more than ${limit} bytes to hold`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body parsed as JSON (an empty body is `{}`); `invalidStatus` for text that is not JSON. */
export async function readJson(request: IncomingMessage, invalidStatus = 400): Promise<unknown> {
  const text = await readBody(request);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(invalidStatus, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `the request body is larger than ${limit} bytes`);
}
