// The full command line, on yargs: every verb, --help, and the errors for anything malformed.
// main.ts comes here for whatever its fast path does not take. Each verb imports only what it
// needs, so `run` does not pay for the schema exporter and `version` not for the supervisor.
import yargs from 'yargs';
import { controlVerbs } from './control-verbs.js';

const configOption = {
  config: {
    alias: 'c',
    type: 'string',
    description: 'Config file (default: $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5)',
  },
} as const;

/** Parses `argv` (ContainerPilot's flags already translated) and runs the verb it names. */
export async function parseAndRun(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('pilotfish')
    .usage('$0 <command> [options]\n\nAn autopilot-pattern supervisor: the container entrypoint that runs, checks and restarts your app.')
    .command(
      ['run', '$0'],
      'Supervise the jobs of a config (the container entrypoint; the default command)',
      (args) => args.options(configOption),
      async (args) => (await import('./run.js')).runCommand(args.config),
    )
    .command(
      'validate',
      'Check a config and exit: 0 when valid, 2 with every error listed otherwise',
      (args) => args.options(configOption),
      async (args) => (await import('./validate.js')).validateCommand(args.config),
    )
    .command(
      'template',
      "Render a config's templates over the environment and print the result (ContainerPilot's -template)",
      (args) => args.options({ ...configOption, out: { type: 'string', description: 'Write to this file instead of stdout' } }),
      async (args) => (await import('./template.js')).templateCommand(args.config, args.out),
    )
    .command(
      'schema',
      "Print the config's JSON Schema (for editor completion: \"$schema\" in your pilotfish.json5)",
      () => undefined,
      async () => (await import('./schema.js')).schemaCommand(),
    )
    .command('k8s', 'Kubernetes integration', (args) =>
      args
        .command(
          'manifests',
          'Print the Autopilot CRD and the service account, Role and RoleBinding the bridge needs (YAML for kubectl apply)',
          (manifestArgs) =>
            manifestArgs.options({
              namespace: { alias: 'n', type: 'string', default: 'default', description: 'Namespace of the pods' },
              'service-account': { type: 'string', default: 'pilotfish', description: "The pods' service account" },
            }),
          async (manifestArgs) =>
            (await import('./k8s.js')).k8sManifestsCommand({ namespace: manifestArgs.namespace, serviceAccount: manifestArgs['service-account'] }),
        )
        .demandCommand(1, 'k8s needs a subcommand: manifests'),
    )
    .command(controlVerbs)
    .command(
      'version',
      'Print the version',
      () => undefined,
      async () => (await import('./version.js')).versionCommand(),
    )
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .parseAsync();
}
