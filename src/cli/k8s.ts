import { stringify } from 'yaml';
import { manifests } from '../k8s/manifests.js';
import { permissionsOf } from '../k8s/permissions.js';
import { loadConfigOrExit } from './load.js';

export interface ManifestFlags {
  namespace: string;
  serviceAccount: string;
  /** The pods' config: the Role then grants only what it uses. */
  config?: string;
}

/** Prints the manifests as one multi-document YAML stream, for `kubectl apply -f -`. */
export function k8sManifestsCommand({ namespace, serviceAccount, config }: ManifestFlags): void {
  const permissions = config === undefined ? undefined : permissionsOf(loadConfigOrExit(config).config, namespace);
  const documents = manifests({ namespace, serviceAccount, ...(permissions ? { permissions } : {}) }).map((manifest) =>
    stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  const command = `pilotfish k8s manifests --namespace ${namespace} --service-account ${serviceAccount}${config === undefined ? '' : ` --config ${config}`}`;
  process.stdout.write(`# ${command}\n---\n${documents.join('---\n')}`);
}
