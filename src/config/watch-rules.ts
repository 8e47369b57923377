// Rules about watches that need more of the document than the watch itself.
import type { DocumentIssue } from './errors.js';
import type { Config } from './types.js';

/** A watch on a Kubernetes Service runs on the bridge: with the bridge forced off it could never fire. */
export function checkWatches(config: Pick<Config, 'kubernetes' | 'watches'>): DocumentIssue[] {
  if (config.kubernetes.enabled !== false) return [];
  return config.watches.flatMap((watch, index) =>
    watch.source === 'kubernetes'
      ? [{ path: ['watches', index, 'source'], message: 'a watch on a Kubernetes Service needs the Kubernetes bridge, which `kubernetes.enabled: false` turns off' }]
      : [],
  );
}
