import { Command, CommanderError } from 'commander';
import { KindredError } from 'kindred';
import { processIo, type Io } from './output.js';
import { registerDataCommands } from './commands/data.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExportCommand } from './commands/export.js';
import { registerFitCommand } from './commands/fit.js';
import { registerImportCommand } from './commands/import.js';
import { registerModelsCommand } from './commands/models.js';
import { registerSearchCommand } from './commands/search.js';
import { registerServeCommand } from './commands/serve.js';
import { UsageError } from './usage-error.js';
import { RunError } from './run-error.js';

/** Exit codes: 0 ok, 1 failure while running, 2 the user's mistake (bad flag, bad file, unknown algorithm). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Builds the `kindred` program; `io` is injectable so tests can capture output. */
export function buildProgram(io: Io = processIo): Command {
  const program = new Command('kindred')
    .description('Kindred: recommender systems in TypeScript — datasets, evaluation, training and a demo')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  registerDemoCommand(program, io);
  registerEvalCommand(program, io);
  registerFitCommand(program, io);
  registerSearchCommand(program, io);
  registerServeCommand(program, io);
  registerDataCommands(program, io);
  registerModelsCommand(program, io);
  registerExportCommand(program, io);
  registerImportCommand(program, io);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit code; user mistakes print one line, never a stack trace. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (help, version, unknown option...).
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof RunError) {
      io.stderr.write(`kindred: ${e.message}\n`);
      return EXIT.failure;
    }
    if (e instanceof UsageError || e instanceof KindredError) {
      io.stderr.write(`kindred: ${e.message}\n`);
      return e instanceof KindredError && e.code === 'MODEL_FIT' ? EXIT.failure : EXIT.usage;
    }
    throw e;
  }
}
