// A route table: method and path pattern → handler, with 404 for an unknown path and 405 (and an
// Allow header) for a known path asked with the wrong method, as ContainerPilot answered. What a
// client got wrong (a target that is not a path, bad percent-encoding) is a 400, never a 500.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendError } from './json.js';

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the whole path; capture groups are passed to the handler, URL-decoded. */
  path: RegExp;
  handle(request: IncomingMessage, response: ServerResponse, params: string[], url: URL): void | Promise<void>;
}

export function router(routes: readonly Route[]): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    try {
      const url = requestUrl(request.url);
      const matching = routes.filter((route) => route.path.test(url.pathname));
      if (matching.length === 0) throw new HttpError(404, `no such endpoint: ${request.method} ${url.pathname}`);
      const route = matching.find((candidate) => candidate.method === request.method);
      if (!route) {
        response.setHeader('Allow', matching.map((candidate) => candidate.method).join(', '));
        throw new HttpError(405, `${url.pathname} takes ${matching.map((candidate) => candidate.method).join(' or ')}, not ${request.method}`);
      }
      const params = (route.path.exec(url.pathname) ?? []).slice(1).map(decodeParam);
      await route.handle(request, response, params, url);
    } catch (error) {
      if (response.headersSent) response.destroy();
      else sendError(response, error);
    }
  };
}

/** The request target as a URL: only the origin form ("/path?query") is served. */
function requestUrl(target: string | undefined): URL {
  // A target such as "//host/path" would otherwise be taken for a host and a path.
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) {
    throw new HttpError(400, `the request target must be a path starting with "/", got ${JSON.stringify(target ?? '')}`);
  }
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw new HttpError(400, `the request target is not a valid path: ${JSON.stringify(target)}`);
  }
}

function decodeParam(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    throw new HttpError(400, `bad percent-encoding in ${JSON.stringify(param)}`);
  }
}
