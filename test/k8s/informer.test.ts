// The list-watch informer against a real API server (ConfigMaps: any kind behaves alike), through
// its restarts and RBAC, and against a small HTTP server for what a real one will not do on
// demand: an ERROR 410 event in the middle of a watch, and an event line over the size bound.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeApi } from '../../src/k8s/api.js';
import { Informer, type InformerChange, type InformerTiming, type KubeObject } from '../../src/k8s/informer.js';
import { TokenFile } from '../../src/k8s/token.js';
import { KubeCluster } from '../helpers/kube.js';
import { recordingLogger } from '../helpers/log.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { withWallClockStepped } from '../helpers/wall-clock.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const FAST_INFORMER: Partial<InformerTiming> = {
  backoff: { initialMs: 100, maxMs: 1_000 },
  patient: { initialMs: 2_000, maxMs: 2_000 },
  watchTimeoutSeconds: 60,
  watchGraceMs: 5_000,
  relistMs: 0,
  probe: { intervalMs: 200, timeoutMs: 1_000 },
  catchUpSpreadMs: 200,
  forbiddenGraceMs: 500,
};

let cluster: KubeCluster;
before(async () => {
  cluster = await KubeCluster.start();
});
after(() => cluster?.stop());

function api(token = cluster.adminToken, server = cluster.server, ca: string | undefined = readFileSync(cluster.caFile, 'utf8')) {
  const { log } = recordingLogger();
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'pilotfish-informer-')), 'token');
  writeFileSync(tokenFile, token);
  return new KubeApi({ server, ...(ca ? { ca } : {}), token: new TokenFile(tokenFile), timeoutMs: 10_000, log });
}

const configMaps = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`;

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

/** An informer on the namespace's ConfigMaps, with the changes it reports and its log. */
function inform(namespace: string, options: { fieldSelector?: string; labelSelector?: string; token?: string; timing?: Partial<InformerTiming> } = {}) {
  const { log, lines } = recordingLogger();
  const informer = new Informer<ConfigMap>({
    api: api(options.token),
    path: configMaps(namespace),
    resource: 'configmaps',
    log,
    timing: options.timing ?? FAST_INFORMER,
    ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
  });
  const changes: Array<InformerChange<ConfigMap>> = [];
  informer.onChange((change) => changes.push(change));
  informer.start();
  return { informer, changes, lines };
}

const dataOf = (informer: Informer<ConfigMap>, name: string) => informer.items().get(name)?.data;

describe('the informer against a real API server', () => {
  it('lists, then follows additions, changes and deletions; selectors pick the objects', async () => {
    const namespace = await cluster.createNamespace();
    await cluster.must('POST', configMaps(namespace), configMap('a', { v: '1' }, { app: 'web' }));
    await cluster.must('POST', configMaps(namespace), configMap('b', { v: '1' }, { app: 'db' }));
    const all = inform(namespace);
    const byName = inform(namespace, { fieldSelector: 'metadata.name=a' });
    const byLabel = inform(namespace, { labelSelector: 'app=db' });
    try {
      await waitFor(() => all.informer.synced && byName.informer.synced && byLabel.informer.synced, 'the first lists');
      assert.deepEqual([...all.informer.items().keys()].sort(), ['a', 'b']);
      assert.deepEqual([...byName.informer.items().keys()], ['a']);
      assert.deepEqual([...byLabel.informer.items().keys()], ['b']);
      assert.equal(all.changes[0]?.type, 'RELISTED');

      await cluster.must('PATCH', `${configMaps(namespace)}/a`, { data: { v: '2' } }, { contentType: 'application/merge-patch+json' });
      await cluster.must('POST', configMaps(namespace), configMap('c', { v: '1' }, { app: 'db' }));
      await cluster.must('DELETE', `${configMaps(namespace)}/b`);
      await waitFor(() => dataOf(byName.informer, 'a')?.v === '2', 'the change to a');
      await waitFor(() => byLabel.informer.items().has('c') && !byLabel.informer.items().has('b'), 'c added and b deleted, by label');
      await waitFor(() => dataOf(all.informer, 'a')?.v === '2' && all.informer.items().has('c') && !all.informer.items().has('b'), 'all three changes');
      const types = all.changes.map((change) => `${change.type} ${change.object?.metadata.name ?? ''}`.trim());
      assert.ok(types.includes('MODIFIED a') && types.includes('ADDED c') && types.includes('DELETED b'), types.join(', '));
      assert.deepEqual(byName.changes.map((change) => change.type), ['RELISTED', 'MODIFIED'], 'a field selector sees only its object');
    } finally {
      for (const each of [all, byName, byLabel]) each.informer.stop();
    }
  });

  it('keeps going when a change handler throws, and logs it', async () => {
    const namespace = await cluster.createNamespace();
    const { informer, lines } = inform(namespace);
    informer.onChange(() => {
      throw new Error('handler bug');
    });
    try {
      await waitFor(() => informer.synced, 'the first list');
      await cluster.must('POST', configMaps(namespace), configMap('x', { v: '1' }));
      await waitFor(() => informer.items().has('x'), 'x');
      assert.ok(lines.some((line) => line.startsWith('ERROR') && line.includes('handler bug')), lines.join('\n'));
    } finally {
      informer.stop();
    }
  });

  it('resumes after the API server restarts, relisting when the server no longer serves the version it had', async (t) => {
    const namespace = await cluster.createNamespace();
    await cluster.must('POST', configMaps(namespace), configMap('a', { v: '1' }));
    // A long backoff: only the probe of the returning server can bring the informer back within the test.
    const { informer, changes, lines } = inform(namespace, { timing: { ...FAST_INFORMER, backoff: { initialMs: 600_000, maxMs: 600_000 } } });
    try {
      await waitFor(() => informer.synced, 'the first list');
      // Another kind's write moves the cluster's resourceVersion past the one the informer holds:
      // the restarted server's ConfigMap cache starts after it, so resuming from it gets 410.
      await cluster.must('POST', `/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } });
      await cluster.stopApiServer();
      await waitFor(() => lines.some((line) => line.startsWith('WARN Kubernetes API unavailable')), 'the informer to notice the outage', 15_000);
      await sleep(1_000);
      await cluster.startApiServer();
      const back = Date.now();
      await cluster.must('PATCH', `${configMaps(namespace)}/a`, { data: { v: '2' } }, { contentType: 'application/merge-patch+json' });
      await waitFor(() => dataOf(informer, 'a')?.v === '2', 'the change made after the restart', 30_000);
      const relists = changes.filter((change) => change.type === 'RELISTED').length;
      assert.equal(relists, 2, 'listed again once: the watch resumed from a version the restarted server no longer had');
      assert.ok(lines.some((line) => line.includes('is gone')), lines.join('\n'));
      t.diagnostic(`informer caught up ${Date.now() - back} ms after the API server was ready`);
      await cluster.must('POST', configMaps(namespace), configMap('b', { v: '1' }));
      await waitFor(() => informer.items().has('b'), 'b, watched after the relist');
    } finally {
      informer.stop();
    }
  });

  it('says once, naming verb and resource, when RBAC denies the list; then waits long', async () => {
    const namespace = await cluster.createNamespace();
    await cluster.apply([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader', namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    ]);
    const token = await cluster.serviceAccountToken(namespace, 'reader');
    const { informer, lines } = inform(namespace, { token, timing: { ...FAST_INFORMER, patient: { initialMs: 60_000, maxMs: 60_000 } } });
    try {
      await waitFor(() => lines.some((line) => line.startsWith('ERROR')), 'the RBAC error', 15_000);
      await sleep(1_500);
      const errors = lines.filter((line) => line.startsWith('ERROR'));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0] ?? '', new RegExp(`RBAC denies "list" on configmaps in namespace ${namespace}`));
      assert.equal(informer.synced, false);
    } finally {
      informer.stop();
    }
  });
});

describe('the informer against a server that misbehaves on demand', () => {
  /**
   * A list and watch server: each watch request gets the next scripted body, then is held open
   * (or ended after `endWatchesAfterMs`); the first `listRefusals` lists are answered 404, as for
   * a resource the server does not serve.
   */
  async function scriptedServer(watches: string[], listRefusals = 0, endWatchesAfterMs?: number, bookmarkEveryMs?: number) {
    const requests: string[] = [];
    /** When each of `requests` came, on the monotonic clock. */
    const arrivals: number[] = [];
    const open: ServerResponse[] = [];
    const server = createServer((request, response) => {
      const url = request.url ?? '';
      requests.push(url);
      arrivals.push(performance.now());
      if (!url.includes('watch=1') && listRefusals > 0) {
        listRefusals -= 1;
        response.writeHead(404, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }));
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      if (!url.includes('watch=1')) {
        response.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [{ metadata: { name: 'a', resourceVersion: '10' }, data: { v: 'listed' } }] }));
        return;
      }
      const script = watches.shift();
      if (script !== undefined) response.write(script);
      if (endWatchesAfterMs !== undefined) setTimeout(() => response.end(), endWatchesAfterMs);
      if (bookmarkEveryMs !== undefined) {
        const bookmarks = setInterval(() => response.write(event('BOOKMARK', { metadata: { resourceVersion: '10' } })), bookmarkEveryMs);
        response.on('close', () => clearInterval(bookmarks));
      }
      open.push(response);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      requests,
      arrivals,
      url: `http://127.0.0.1:${port}`,
      close() {
        for (const response of open) response.destroy();
        server.close();
      },
    };
  }

  function informOn(url: string, timing: Partial<InformerTiming> = {}) {
    const { log, lines } = recordingLogger();
    const informer = new Informer<ConfigMap>({ api: api('t', url, undefined), path: configMaps('ns'), resource: 'configmaps', log, timing: { ...FAST_INFORMER, maxLineBytes: 1024 * 1024, ...timing } });
    const changes: Array<InformerChange<ConfigMap>> = [];
    informer.onChange((change) => changes.push(change));
    informer.start();
    return { informer, changes, lines };
  }

  const event = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

  it('drops a watch that delivers nothing, not even a bookmark (a half-open connection), and resumes it without listing again', async () => {
    const server = await scriptedServer([]);
    const { informer, lines } = informOn(server.url, { watchSilenceMs: 500 });
    const watches = () => server.requests.filter((url) => url.includes('watch=1'));
    try {
      await waitFor(() => watches().length >= 3, 'the silent watch resumed twice', 10_000);
      assert.equal(server.requests.length - watches().length, 1, 'listed once');
      for (const url of watches()) assert.match(url, /resourceVersion=10&/);
      assert.ok(lines.some((line) => line.startsWith('DEBUG') && line.includes('the watch delivered nothing for 0.5 s')), lines.join('\n'));
      assert.equal(informer.synced, true);
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('keeps a quiet watch whose server sends bookmarks', async () => {
    const server = await scriptedServer([], 0, undefined, 100);
    const { informer } = informOn(server.url, { watchSilenceMs: 500 });
    try {
      await waitFor(() => server.requests.some((url) => url.includes('watch=1')), 'the watch');
      await sleep(2_000);
      assert.equal(server.requests.filter((url) => url.includes('watch=1')).length, 1);
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('relists on an ERROR event with code 410, and resumes from bookmarks', async () => {
    const server = await scriptedServer([
      event('BOOKMARK', { metadata: { resourceVersion: '15' } }) + event('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 15 (20)' }),
      event('MODIFIED', { metadata: { name: 'a', resourceVersion: '21' }, data: { v: 'watched' } }),
    ]);
    const { informer, changes } = informOn(server.url);
    try {
      await waitFor(() => dataOf(informer, 'a')?.v === 'watched', 'the change after the relist');
      const [, firstWatch, secondList, secondWatch] = server.requests;
      assert.match(firstWatch ?? '', /watch=1&allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=\d+/);
      assert.doesNotMatch(secondList ?? '', /watch=1/, 'listed again after the 410');
      assert.match(secondWatch ?? '', /resourceVersion=10&/);
      assert.deepEqual(changes.map((change) => change.type), ['RELISTED', 'RELISTED', 'MODIFIED']);
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('backs off when every watch is answered 410 right after a fresh list, instead of listing in a busy loop', async () => {
    const gone = event('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    const server = await scriptedServer(Array.from({ length: 1000 }, () => gone));
    const { informer, lines } = informOn(server.url);
    const listTimes = () => server.arrivals.filter((_, index) => !server.requests[index]!.includes('watch=1'));
    try {
      await waitFor(() => listTimes().length >= 4, 'four lists', 15_000);
      // A busy loop lists again within a millisecond; the backoff (100 ms doubling, at least half of
      // it) waits at least 50, 100, then 200 ms, however slow the machine.
      const gaps = listTimes().slice(1, 4).map((at, index) => at - listTimes()[index]!);
      gaps.forEach((gap, index) => assert.ok(gap >= 50 * 2 ** index - 1, `gaps between lists: ${gaps.map(Math.round).join(', ')} ms`));
      assert.ok(lines.some((line) => line.startsWith('ERROR') && line.includes('HTTP 410 Expired')), lines.join('\n'));
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('times its watches and relists on the monotonic clock: a wall clock stepped back an hour neither puts a relist off nor makes a watch look ended at once', async () => {
    // Each watch lasts 1.2 s, longer than a watch "ended at once" (1 s), and the relist is due after 300 ms.
    const server = await scriptedServer([], 0, 1_200);
    const { informer, lines } = informOn(server.url, { relistMs: 300 });
    const lists = () => server.requests.filter((url) => !url.includes('watch=1')).length;
    try {
      await waitFor(() => lists() >= 1, 'the first list');
      await withWallClockStepped(-3_600_000, async () => {
        await waitFor(() => lists() >= 2, 'a second list, once the first watch has ended');
        assert.deepEqual(lines.filter((line) => line.includes('ended the watch at once')), []);
      });
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('drops a watch whose event line is over the bound, and watches again from the last version', async () => {
    const huge = 'x'.repeat(4096);
    const server = await scriptedServer([
      event('BOOKMARK', { metadata: { resourceVersion: '12' } }) + event('MODIFIED', { metadata: { name: 'a', resourceVersion: '13' }, data: { v: huge } }),
      event('MODIFIED', { metadata: { name: 'a', resourceVersion: '14' }, data: { v: 'small' } }),
    ]);
    const { informer, lines } = informOn(server.url, { maxLineBytes: 1024 });
    try {
      await waitFor(() => dataOf(informer, 'a')?.v === 'small', 'the event after the dropped watch');
      assert.ok(lines.some((line) => line.startsWith('WARN') && line.includes('a watch event of more than 1024 bytes')), lines.join('\n'));
      const watches = server.requests.filter((url) => url.includes('watch=1'));
      assert.equal(watches.length, 2);
      assert.match(watches[1] ?? '', /resourceVersion=12&/, 'resumed from the bookmark, no relist');
      assert.equal(server.requests.length, 3);
    } finally {
      informer.stop();
      server.close();
    }
  });

  it('tells its trouble handlers what failed while lists are refused, and that it is over once one answers', async () => {
    const server = await scriptedServer([], 2);
    const { informer } = informOn(server.url);
    // Its first list is on its way, not answered yet.
    const troubles: Array<string | undefined> = [];
    informer.onTrouble((problem) => troubles.push(problem));
    try {
      await waitFor(() => informer.synced && troubles.length === 2, 'the list to answer after two refusals', 15_000);
      // The same refusal twice is said once; then its end.
      assert.deepEqual(troubles, ['list configmaps: HTTP 404 NotFound: the server could not find the requested resource', undefined]);
    } finally {
      informer.stop();
      server.close();
    }
  });
});
