// ContainerPilot's control endpoints (`/v3/…`), answering as its code did rather than as its docs
// said, so existing sensors and scripts keep working: bad JSON on environ and metric is 422, a
// `null` variable is set to "", unknown metric names are ignored with 200, maintenance and reload
// answer 200 with an empty body, and ping answers "\n".
import type { ServerResponse } from 'node:http';
import { readJson } from '../http/json.js';
import { isPlainObject } from '../util/records.js';
import { setEnvironment, type ControlContext } from './api.js';
import { environmentBody } from './requests.js';
import type { Route } from '../http/router.js';

const UNPROCESSABLE = 422;

export function containerPilotRoutes(context: ControlContext): Route[] {
  const { supervisor } = context;
  return [
    {
      method: 'GET',
      path: /^\/v3\/ping$/,
      handle: (_request, response) => sendText(response, '\n'),
    },
    {
      method: 'POST',
      path: /^\/v3\/environ$/,
      handle: async (request, response) => {
        const variables = environmentBody(await readJson(request, UNPROCESSABLE), { nullIsEmpty: true, status: UNPROCESSABLE });
        setEnvironment(context, variables, UNPROCESSABLE);
        sendText(response, '');
      },
    },
    {
      method: 'POST',
      path: /^\/v3\/metric$/,
      handle: async (request, response) => {
        const body = await readJson(request, UNPROCESSABLE);
        if (isPlainObject(body)) {
          for (const [name, raw] of Object.entries(body)) {
            // Its client sent values as strings ("-putmetric name=1.5").
            const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
            if (typeof value === 'number' && Number.isFinite(value) && context.metrics?.has(name)) context.metrics.put(name, value);
          }
        }
        sendText(response, '');
      },
    },
    {
      method: 'POST',
      path: /^\/v3\/reload$/,
      handle: (_request, response) => {
        // ContainerPilot answered first and reloaded afterwards; a rejected reload is only logged.
        sendText(response, '');
        void supervisor.reload();
      },
    },
    {
      method: 'POST',
      path: /^\/v3\/maintenance\/(enable|disable)$/,
      handle: (_request, response, [action]) => {
        supervisor.setMaintenance(action === 'enable');
        sendText(response, '');
      },
    },
  ];
}

function sendText(response: ServerResponse, text: string): void {
  response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
