// A route table: method and path pattern → handler, with 404 for an unknown path and 405 (and an
// Allow header) for a known path asked with the wrong method, as ContainerPilot answered.
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
      const url = new URL(request.url ?? '/', 'http://localhost');
      const matching = routes.filter((route) => route.path.test(url.pathname));
      if (matching.length === 0) throw new HttpError(404, `no such endpoint: ${request.method} ${url.pathname}`);
      const route = matching.find((candidate) => candidate.method === request.method);
      if (!route) {
        response.setHeader('Allow', matching.map((candidate) => candidate.method).join(', '));
        throw new HttpError(405, `${url.pathname} takes ${matching.map((candidate) => candidate.method).join(' or ')}, not ${request.method}`);
      }
      const params = (route.path.exec(url.pathname) ?? []).slice(1).map((param) => decodeURIComponent(param));
      await route.handle(request, response, params, url);
    } catch (error) {
      if (response.headersSent) response.destroy();
      else sendError(response, error);
    }
  };
}
