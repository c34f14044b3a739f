import type { Command } from 'commander';
import { ConfigError, DataDirLockedError, Engine, loadConfig, startServer, type EngineConfig } from '@kindred/engine';
import { RunError } from '../run-error.js';
import { UsageError } from '../usage-error.js';
import type { Io } from '../output.js';

interface ServeFlags {
  config?: string;
  port?: string;
  host?: string;
  data?: string;
}

/** Loads the engine config with precedence defaults < file < KINDRED_* env < flags; bad values are usage errors. */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): EngineConfig {
  try {
    return loadConfig({
      file: flags.config,
      env,
      overrides: {
        'server.port': flags.port !== undefined ? Number(flags.port) : undefined,
        'server.host': flags.host,
        dataDir: flags.data,
      },
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Opens the engine; what stops a start (a bad config, a data directory held by another engine) becomes a one-line
 * error (exit 2 or 1), not a stack trace.
 *
 * @example
 * const engine = await openEngine(serveConfig({ data: './kindred-data' }));
 */
export async function openEngine(config: EngineConfig): Promise<Engine> {
  try {
    return await Engine.open(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    if (e instanceof DataDirLockedError) throw new RunError(e.message);
    throw e;
  }
}

export function registerServeCommand(program: Command, io: Io): void {
  program
    .command('serve')
    .description('run the recommendation server (embedded SQLite under ./kindred-data by default)')
    .option('--config <file>', 'JSON config file (see docs/engine.md)')
    .option('--port <n>', 'port (default 8080)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1; others need API keys)')
    .option('--data <dir>', 'data directory (default ./kindred-data)')
    .action(async (flags: ServeFlags) => {
      const config = serveConfig(flags);
      const engine = await openEngine(config);
      const { app, url } = await startServer(engine);
      io.stderr.write(`kindred engine listening on ${url} (data in ${config.dataDir}; API docs at ${url}/docs)\n`);
      await waitForSignal();
      await app.close();
      await engine.close();
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
