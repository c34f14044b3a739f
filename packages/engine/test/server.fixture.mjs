// Child process of the end-to-end test (e2e.test.ts) and the load benchmark (bench/load.mjs): the real server from
// the built package, configured like `kindred serve` (optional JSON config file given as argv[2] < KINDRED_* env),
// on a free port. Prints "listening <url>" on stdout once it accepts requests; SIGTERM closes it cleanly.
import { Engine, loadConfig, startServer } from '../dist/index.js';

const config = loadConfig({ file: process.argv[2] || undefined, env: process.env, overrides: { 'server.port': 0 } });
const engine = await Engine.open(config);
const { app, url } = await startServer(engine);
process.stdout.write(`listening ${url}\n`);
const stop = async () => {
  await app.close();
  await engine.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
