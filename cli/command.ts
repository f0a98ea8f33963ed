/** One CLI command: its name, a one-line summary, and a run function returning the exit code. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted when stdout is gone (a closed pipe: `khutulun events -f | head -1`): follows stop there. */
  stdoutClosed?: AbortSignal;
  /** stdout is a terminal (human tables, progress) rather than a pipe or file (plain lines). */
  stdoutIsTty?: boolean;
  /** stderr is a terminal: progress is redrawn in place (cli/live-progress.ts) instead of logged. */
  stderrIsTty?: boolean;
  /** The terminal's width (columns), when it is one. */
  columns?: number;
}

export interface GlobalOptions {
  /** `--agent URL`: talk to a running agent instead of the embedded one. */
  agent?: string;
  /** From `--token-file FILE`, $KHUTULUN_TOKEN_FILE or $KHUTULUN_TOKEN (never from argv). */
  token?: string;
  /** `--state DIR`: the state dir whose recorded agent to reach (else $KHUTULUN_HOME, ~/.khutulun). */
  state?: string;
  /** `--tls-cert/--tls-key/--tls-ca FILE` or $KHUTULUN_TLS_CERT/KEY/CA: PEM paths for an `https://` agent (mutual TLS). */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo, globals: GlobalOptions): Promise<number>;
}
