import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(engineRoot, '..', '..');
const fixture = fileURLToPath(new URL('./server.fixture.mjs', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.case.ts'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure the engine's dist (and the library's, which it imports) is at least as new as their sources: the
 * child process runs the built server, as users do. `npm test` builds first, so this normally does nothing.
 *
 * @example
 * beforeAll(() => ensureBuilt(), 180_000);
 */
export function ensureBuilt(): void {
  const fresh = () => {
    const built = join(engineRoot, 'dist', 'index.js');
    const lib = join(repoRoot, 'packages', 'kindred', 'dist', 'index.js');
    if (!existsSync(built) || !existsSync(lib)) return false;
    return (
      newestSource(join(engineRoot, 'src')) <= statSync(built).mtimeMs &&
      newestSource(join(repoRoot, 'packages', 'kindred', 'src')) <= statSync(lib).mtimeMs
    );
  };
  if (fresh()) return;
  try {
    execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b', 'packages/kindred', 'packages/engine'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
  } catch {
    // tsc exits non-zero on a type error anywhere but still emits; the server start below shows what is broken.
  }
}

/** A running server child process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the child wrote on stderr so far (its log). */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built server (test/server.fixture.mjs) as a child process and resolves once it prints its URL.
 *
 * @example
 * const server = await startServerProcess({ KINDRED_STORE_DIR: dir }, configFile);
 * await fetch(server.url + '/health/live');
 * await server.stop();
 */
export function startServerProcess(env: Record<string, string>, configFile?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [fixture, configFile ?? ''], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m)
        resolve({
          url: m[1],
          child,
          stderr: () => err,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${err}`)),
    );
  });
}
