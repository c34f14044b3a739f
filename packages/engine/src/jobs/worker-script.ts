import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const devBundles = new Map<string, Promise<URL>>();

/**
 * The URL of a worker script given as its compiled `.js` beside the caller. When the engine runs from its TypeScript
 * sources (vitest, or a dev runner), Node 20 cannot start a `.ts` worker, so the worker and the sources it imports
 * (the library through its `kindred` alias) are bundled once per process with rolldown (the bundler vitest's vite
 * already ships). Other packages stay imports: the bundle is written inside the engine package
 * (`.worker-bundles/`, ignored by git) so Node resolves them (better-sqlite3, lru-cache) from node_modules as usual.
 * Tests thus exercise the current sources, never a stale build; production never takes that path.
 *
 * @example
 * new Worker(await workerScriptUrl(new URL('./train-worker.js', import.meta.url)));
 */
export async function workerScriptUrl(js: URL): Promise<URL> {
  if (existsSync(fileURLToPath(js))) return js;
  const ts = new URL(js.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(ts))) throw new Error(`worker script not found: ${fileURLToPath(js)}`);
  let p = devBundles.get(ts.href);
  if (!p) {
    p = bundleFromSources(ts).catch((e) => {
      devBundles.delete(ts.href);
      throw e;
    });
    devBundles.set(ts.href, p);
  }
  return p;
}

async function bundleFromSources(entry: URL): Promise<URL> {
  // A computed specifier keeps rolldown (a dev-only tool) out of the type-check and the production import graph.
  const specifier = ['roll', 'down'].join('');
  const { rolldown } = (await import(/* @vite-ignore */ specifier)) as {
    rolldown: (opts: Record<string, unknown>) => Promise<{
      write(o: Record<string, unknown>): Promise<unknown>;
      close(): Promise<void>;
    }>;
  };
  const kindredSrc = fileURLToPath(new URL('../../../kindred/src/index.ts', import.meta.url));
  const bare = (id: string) =>
    !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('node:') && id !== 'kindred';
  const bundle = await rolldown({
    input: fileURLToPath(entry),
    platform: 'node',
    logLevel: 'warn',
    external: (id: string) => bare(id),
    resolve: existsSync(kindredSrc) ? { alias: { kindred: kindredSrc } } : {},
  });
  const root = fileURLToPath(new URL('../../.worker-bundles/', import.meta.url));
  mkdirSync(root, { recursive: true });
  removeOrphans(root);
  const dir = mkdtempSync(join(root, `w-${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const name = fileURLToPath(entry)
    .replace(/^.*[\\/]/, '')
    .replace(/\.ts$/, '.mjs');
  const file = join(dir, name);
  await bundle.write({ file, format: 'esm' });
  await bundle.close();
  return pathToFileURL(file);
}

/** Bundles of processes that are gone (a test runner may kill its workers before their exit handlers run). */
function removeOrphans(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = Number(/^w-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(root, name), { recursive: true, force: true });
  }
}
