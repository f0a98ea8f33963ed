/**
 * The command registry: what `khutulun help`, `--help` and shell completion need (name, summary,
 * usage, examples, flags) is declared here, and each command module is imported only when its verb
 * runs (`load`), so `khutulun version` or `--help` never load Automerge, the TOSCA processor or Wasm.
 * A new verb: one entry here plus its module exporting a Command.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** One or more `khutulun …` synopsis lines. */
  usage: string;
  /** Shown by `khutulun VERB --help`: each a command line, optionally `# what it does` after it. */
  examples: readonly string[];
  /** The verb's long options (without `--`), for completion; `-o` formats are completed from `outputs`. */
  flags: readonly string[];
  /** `-o` formats the verb accepts (empty: no -o). */
  outputs?: readonly string[];
  /** Sub-verbs (e.g. `plugin build`), for completion. */
  subcommands?: readonly string[];
  load(): Promise<Command>;
}

const agentFlags = ['agent', 'state', 'output'];

export const commands: readonly CommandEntry[] = [
  {
    name: 'up',
    summary: 'deploy (or update) a TOSCA service on this host and supervise it until Ctrl-C (no daemon needed)',
    usage: 'khutulun up FILE [--name NAME] [--input NAME=VALUE]... [--state DIR] [-o json] [--verbose]',
    examples: ['khutulun up examples/hello-web/service.yaml', 'khutulun up service.yaml --name web --input port=8080 -o json   # outputs as one JSON line'],
    flags: ['name', 'input', 'state', 'output', 'verbose'],
    outputs: ['json'],
    load: async () => (await import('./up.js')).upCommand,
  },
  {
    name: 'agent',
    summary: 'run the long-lived host agent (sync + HTTP API + membership), deploying on this host',
    usage:
      'khutulun agent --name NAME --listen HOST:PORT [--peer HOST:PORT]... [--state DIR] [--token-file F] [--credentials F] [--labels k=v,...] [--cluster NAME]\n' +
      '               [--advertise HOST:PORT] [--heartbeat-ms MS] [--disconnect replace=true,lost-after-ms=N,...] [--allow-host NAME]... [--limit NAME=N]... [--log-level LEVEL] [--tls-cert F --tls-key F --tls-ca F] [--history-retention DAYS]',
    examples: [
      'khutulun agent --name a --listen 127.0.0.1:7001 --state /var/lib/khutulun --token-file /etc/khutulun/token',
      'khutulun --log-format json agent --name b --listen 0.0.0.0:7002 --peer 10.0.0.1:7001 --token-file /etc/khutulun/token   # JSON log lines',
    ],
    flags: ['name', 'listen', 'peer', 'state', 'token-file', 'credentials', 'allow-host', 'limit', 'labels', 'cluster', 'advertise', 'heartbeat-ms', 'disconnect', 'log-level', 'tls-cert', 'tls-key', 'tls-ca', 'history-retention'],
    load: async () => (await import('./agent.js')).agentCommand,
  },
  {
    name: 'deploy',
    summary: 'deploy a TOSCA service template on a running agent (an existing NAME is updated: the plan is shown)',
    usage: 'khutulun [--agent URL] deploy FILE [--name NAME] [--input NAME=VALUE]... [--wait] [--timeout 5m] [--state DIR] [-o json]',
    examples: ['khutulun deploy examples/hello-web/service.yaml --wait', 'khutulun --agent http://10.0.0.1:7001 deploy web.yaml --name web --input port=8080'],
    flags: ['name', 'input', 'wait', 'timeout', ...agentFlags],
    outputs: ['json'],
    load: async () => (await import('./deploy.js')).deployCommand,
  },
  {
    name: 'plan',
    summary: 'show what deploying a template as NAME would create, change, replace and delete (changes nothing)',
    usage: 'khutulun [--agent URL] plan NAME FILE [--input NAME=VALUE]... [-o table|json|yaml] [--state DIR]',
    examples: ['khutulun plan hello-web examples/hello-web/service.yaml --input greeting=hi', 'khutulun plan web web.yaml -o json'],
    flags: ['input', ...agentFlags],
    outputs: ['table', 'json', 'yaml'],
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    name: 'update',
    summary: 'update a deployment to a new template or inputs (the plan, applied in dependency order)',
    usage: 'khutulun [--agent URL] update NAME FILE [--input NAME=VALUE]... [--dry-run] [--wait] [--timeout 5m] [-o json] [--state DIR]',
    examples: ['khutulun update hello-web examples/hello-web/service.yaml --input greeting=hi --wait', 'khutulun update web web.yaml --dry-run   # the plan only'],
    flags: ['input', 'dry-run', 'wait', 'timeout', ...agentFlags],
    outputs: ['json'],
    load: async () => (await import('./update.js')).updateCommand,
  },
  {
    name: 'scale',
    summary: 'set how many instances of a node template run (new ones in dependency order, removed ones in reverse)',
    usage: 'khutulun [--agent URL] scale NAME NODE COUNT [--dry-run] [--wait] [--timeout 5m] [-o json] [--state DIR]',
    examples: ['khutulun scale hello-web web 3 --wait', 'khutulun scale hello-web web 1 --dry-run'],
    flags: ['dry-run', 'wait', 'timeout', ...agentFlags],
    outputs: ['json'],
    load: async () => (await import('./scale.js')).scaleCommand,
  },
  {
    name: 'run',
    summary: 'run an interface operation on the nodes of a deployment, or one of its workflows',
    usage: 'khutulun [--agent URL] run NAME [NODE] OPERATION | run NAME --workflow W  [--input NAME=VALUE]... [--timeout 60s] [-o json] [--state DIR]',
    examples: ['khutulun run db-app db Maintenance.backup --input target=/tmp/db.bak', 'khutulun run web-app --workflow rotate-logs -o json'],
    flags: ['input', 'workflow', 'timeout', ...agentFlags],
    outputs: ['table', 'json'],
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'doctor',
    summary: 'check a state folder: permissions, records, document chunks, workloads; say how to fix what is wrong',
    usage: 'khutulun doctor [--state DIR] [-o json]',
    examples: ['khutulun doctor', 'khutulun doctor --state /var/lib/khutulun -o json'],
    flags: ['state', 'output'],
    outputs: ['table', 'json'],
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  {
    name: 'status',
    summary: 'show one deployment (nodes, hosts, states, outputs) or list them all',
    usage: 'khutulun [--agent URL] status [NAME] [-o json] [--state DIR]',
    examples: ['khutulun status                # every deployment', 'khutulun status hello-web -o json'],
    flags: agentFlags,
    outputs: ['table', 'json'],
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'outputs',
    summary: "print a deployment's outputs",
    usage: 'khutulun [--agent URL] outputs NAME [-o table|json|yaml] [--state DIR]',
    examples: ['khutulun outputs hello-web', 'khutulun outputs hello-web -o json | jq -r .url'],
    flags: agentFlags,
    outputs: ['table', 'json', 'yaml'],
    load: async () => (await import('./outputs.js')).outputsCommand,
  },
  {
    name: 'undeploy',
    summary: 'stop a deployment (reverse dependency order) and remove it',
    usage: 'khutulun [--agent URL] undeploy NAME [--force] [-o json] [--state DIR]',
    examples: ['khutulun undeploy hello-web', 'khutulun undeploy hello-web --force'],
    flags: ['force', ...agentFlags],
    outputs: ['json'],
    load: async () => (await import('./undeploy.js')).undeployCommand,
  },
  {
    name: 'logs',
    summary: "print (and follow) a node's workload output, from whichever host runs it",
    usage: 'khutulun [--agent URL] logs NAME [NODE] [-f] [--since DURATION] [--tail N] [--stream stdout|stderr] [--state DIR]',
    examples: [
      'khutulun logs hello-web web            # the whole log of node "web"',
      'khutulun logs hello-web web -f --tail 20',
      'khutulun logs hello-web --since 10m     # a deployment with one workload needs no NODE (containers: --since)',
    ],
    flags: ['follow', 'since', 'tail', 'stream', 'agent', 'state'],
    load: async () => (await import('./logs.js')).logsCommand,
  },
  {
    name: 'exec',
    summary: "run a command in a node's workload (container) or its environment (process: cwd, env, user)",
    usage: 'khutulun [--agent URL] exec NAME NODE [-t] [--timeout SECONDS] [--state DIR] -- CMD [ARG]...',
    examples: ['khutulun exec hello-web web -- ls -la', "khutulun exec shop db -- sh -c 'echo $PGDATA'", 'khutulun exec shop cache -t --timeout 30 -- redis-cli info   # a TTY (containers), killed after 30 s'],
    flags: ['tty', 'timeout', 'agent', 'state'],
    load: async () => (await import('./exec.js')).execCommand,
  },
  {
    name: 'events',
    summary: 'print the event stream (node transitions, deployments, peers); -f follows it',
    usage: 'khutulun [--agent URL] events [NAME] [-f] [-o table|json] [--state DIR]',
    examples: ['khutulun events                  # recent events, then exit', 'khutulun events hello-web -f -o json   # one JSON object a line, until Ctrl-C'],
    flags: ['follow', ...agentFlags],
    outputs: ['table', 'json'],
    load: async () => (await import('./events.js')).eventsCommand,
  },
  {
    name: 'history',
    summary: "print what happened to a deployment's nodes: old -> new values, host, time, request generation (outlives undeploy)",
    usage: 'khutulun [--agent URL] history NAME [NODE] [--since DURATION] [-o table|json] [--state DIR]',
    examples: ['khutulun history hello-web           # every node, oldest first', 'khutulun history hello-web web --since 1h -o json'],
    flags: ['since', ...agentFlags],
    outputs: ['table', 'json'],
    load: async () => (await import('./history.js')).historyCommand,
  },
  {
    name: 'ui',
    summary: "print a one-time login link to the agent's live page (graph, states, logs, history)",
    usage: 'khutulun [--agent URL] ui [-o json] [--state DIR]',
    examples: ['khutulun ui                     # open the printed link in a browser (once, within minutes)', 'khutulun --agent http://10.0.0.1:7001 ui'],
    flags: agentFlags,
    outputs: ['table', 'json'],
    load: async () => (await import('./ui.js')).uiCommand,
  },
  {
    name: 'hosts',
    summary: 'list the hosts of the cluster (membership, connectivity, heartbeat)',
    usage: 'khutulun [--agent URL] hosts [-o table|wide|json|yaml] [--state DIR]',
    examples: ['khutulun hosts', 'khutulun hosts -o wide   # with ids, capacity and capabilities'],
    flags: agentFlags,
    outputs: ['table', 'wide', 'json', 'yaml'],
    load: async () => (await import('./hosts.js')).hostsCommand,
  },
  {
    name: 'validate',
    summary: 'validate TOSCA files, CSAR archives or CSAR folders',
    usage: 'khutulun validate [--profiles DIR]... [-o json] FILE...',
    examples: ['khutulun validate examples/hello-web/service.yaml', 'khutulun validate -o json app.csar'],
    flags: ['profiles', 'output'],
    outputs: ['json'],
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'compile',
    summary: 'compile a TOSCA service template to Floria templates (and instances with --instantiate)',
    usage: 'khutulun compile [--profiles DIR]... [--input NAME=VALUE]... [-o yaml|json] [--instantiate] FILE',
    examples: ['khutulun compile examples/hello-web/service.yaml', 'khutulun compile --instantiate --input port=8080 -o json service.yaml'],
    flags: ['profiles', 'input', 'output', 'instantiate'],
    outputs: ['yaml', 'json'],
    load: async () => (await import('./compile.js')).compileCommand,
  },
  {
    name: 'plugin',
    summary: 'scaffold, build and test a TypeScript plugin; call or describe a plugin; list the cluster registry, allow grants',
    usage:
      'khutulun plugin new NAME [--dir DIR]\n' +
      'khutulun plugin build SRC.ts -o OUT.wasm\n' +
      'khutulun plugin test CASES.json [--plugin PLUGIN.wasm|SRC.ts] [--timeout MS]\n' +
      'khutulun plugin call PLUGIN.wasm FN [--snapshot FILE.json] [--event NAME] [--payload JSON] [--grant NAME]... [--timeout MS]\n' +
      'khutulun plugin describe PLUGIN.wasm\n' +
      'khutulun plugin builtins\n' +
      'khutulun plugin list [-o table|json|yaml]\n' +
      'khutulun plugin allow NAME [GRANT]...',
    examples: ['khutulun plugin new acme.greeter', 'khutulun plugin build my-plugin.ts -o my-plugin.wasm', 'khutulun plugin test test/cases.json', 'khutulun plugin call my-plugin.wasm create --snapshot vertex.json', 'khutulun plugin allow acme.greeter clocks'],
    flags: ['out', 'snapshot', 'event', 'payload', 'grant', 'timeout', 'dir', 'plugin', 'output', 'state'],
    subcommands: ['new', 'build', 'test', 'call', 'describe', 'builtins', 'list', 'allow'],
    load: async () => (await import('./plugin.js')).pluginCommand,
  },
  {
    name: 'store-demo',
    summary: 'create, write, reopen and show the history of a small deployment in the Floria store',
    usage: 'khutulun store-demo [--state DIR]',
    examples: ['khutulun store-demo'],
    flags: ['state'],
    load: async () => (await import('./store-demo.js')).storeDemoCommand,
  },
  {
    name: 'version',
    summary: 'print the Khutulun version (also --version)',
    usage: 'khutulun version [-o json]',
    examples: ['khutulun version', 'khutulun --version'],
    flags: ['output'],
    outputs: ['json'],
    load: async () => (await import('./version.js')).versionCommand,
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh)',
    usage: 'khutulun completion bash|zsh',
    examples: ['source <(khutulun completion bash)', 'khutulun completion zsh > "${fpath[1]}/_khutulun"'],
    flags: [],
    subcommands: ['bash', 'zsh'],
    load: async () => (await import('./completion.js')).completionCommand,
  },
  {
    name: 'credential',
    summary: 'add a named credential with a role (viewer, operator, admin, peer) to an agent credentials file',
    usage: 'khutulun credential add NAME --role viewer|operator|admin|peer --file CREDENTIALS.json [--token-out FILE]',
    examples: ['khutulun credential add ci --role operator --file /etc/khutulun/credentials.json --token-out ci.token   # the token, once, in an owner-only file'],
    flags: ['role', 'file', 'token-out'],
    subcommands: ['add'],
    load: async () => (await import('./credential.js')).credentialCommand,
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((c) => c.name === name);
}
