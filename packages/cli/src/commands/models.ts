import type { Command } from 'commander';
import { listModels } from 'kindred';
import { renderModelsMarkdown } from '../models-doc.js';
import { printJson, table, type Io } from '../output.js';

export function registerModelsCommand(program: Command, io: Io): void {
  program
    .command('models')
    .description('list the algorithms with their parameters and defaults')
    .option('--json', 'print JSON')
    .option('--markdown', 'print the docs/models.md page')
    .action((opts: { json?: boolean; markdown?: boolean }) => {
      if (opts.markdown) return void io.stdout.write(renderModelsMarkdown(listModels()));
      const models = listModels().map((m) => ({
        name: m.name,
        task: m.task,
        description: m.description,
        params: Object.fromEntries(
          Object.entries(m.defaults).map(([k, v]) => [k, { default: v, ...(m.docs[k] ?? {}) }]),
        ),
      }));
      if (opts.json) return printJson(io, models);
      const rows = models.map((m) => [
        m.name,
        m.task,
        Object.entries(m.params)
          .map(([k, p]) => `${k}=${p.default}`)
          .join(' '),
      ]);
      io.stdout.write(table(['algorithm', 'task', 'parameters (defaults)'], rows) + '\n');
    });
}
