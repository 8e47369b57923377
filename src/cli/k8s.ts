import { stringify } from 'yaml';
import { manifests, type ManifestOptions } from '../k8s/manifests.js';

/** Prints the manifests as one multi-document YAML stream, for `kubectl apply -f -`. */
export function k8sManifestsCommand(options: ManifestOptions): void {
  const documents = manifests(options).map((manifest) => stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false }));
  const command = `pilotfish k8s manifests --namespace ${options.namespace} --service-account ${options.serviceAccount}`;
  process.stdout.write(`# ${command}\n---\n${documents.join('---\n')}`);
}
