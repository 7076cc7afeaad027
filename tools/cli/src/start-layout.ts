import { join, resolve } from 'node:path';

/** Where `ledgerflow start` keeps everything unless `--data-dir` (or `LEDGERFLOW_DATA_DIR`) says otherwise; relative to the working directory. */
export const DEFAULT_DATA_DIR = '.data/ledgerflow';

/** The files of one instance's data directory (absolute paths). */
export interface DataDirLayout {
  readonly root: string;
  /** The supervising process's pid lock (JSON: pid, startedAt, script). */
  readonly pidFile: string;
  /** The supervisor's status file (libs/supervisor `SupervisorStatusFile`), rewritten on every change. */
  readonly statusFile: string;
  /** `<name>.log` per process (its stdout and stderr) and `supervisor.log` (exits and restarts, JSON lines). */
  readonly logsDir: string;
  /** Development secrets, mode 0700; each file mode 0600. */
  readonly secretsDir: string;
  /** NATS seeds (`<user>.nk`) and `nats-server.conf`, from `ledgerflow nats credentials`. */
  readonly natsCredentialsDir: string;
  readonly jetstreamDir: string;
  readonly sqlitePath: string;
  readonly memoryPath: string;
  readonly vaultPath: string;
}

/** The layout of `dataDir` (resolved against the working directory). */
export function layoutOf(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    root,
    pidFile: join(root, 'ledgerflow.pid'),
    statusFile: join(root, 'status.json'),
    logsDir: join(root, 'logs'),
    secretsDir: join(root, 'secrets'),
    natsCredentialsDir: join(root, 'nats-credentials'),
    jetstreamDir: join(root, 'jetstream'),
    sqlitePath: join(root, 'ledgerflow.db'),
    memoryPath: join(root, 'memory.db'),
    vaultPath: join(root, 'vault.db'),
  };
}

/**
 * The data directory a command uses: `--data-dir`, else `LEDGERFLOW_DATA_DIR`, else {@link DEFAULT_DATA_DIR};
 * a relative one is resolved against `cwd` (default the working directory).
 */
export function dataDirOf(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): DataDirLayout {
  return layoutOf(resolve(cwd, option ?? env.LEDGERFLOW_DATA_DIR ?? DEFAULT_DATA_DIR));
}
