import cliProgress from 'cli-progress';
import Table from 'cli-table3';

/** Where human output goes; JSON results always go to stdout alone, so `--json | jq` works. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** A progress bar on stderr; silent when stderr is not a terminal or when `quiet`. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  constructor(
    private readonly io: Io,
    private readonly quiet: boolean,
  ) {}

  /** Whether a bar is drawn at all (stderr is a terminal and not `quiet`). */
  get visible(): boolean {
    return !this.quiet && !!this.io.stderr.isTTY;
  }

  start(total: number, label: string): void {
    if (!this.visible) return;
    this.stop();
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.io.stderr,
        format: `${label.padEnd(24)} [{bar}] {value}/{total} {detail}`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { detail: '' });
  }

  update(value: number, detail = ''): void {
    this.bar?.update(value, { detail });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Renders rows as a boxed table for people. */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  return t.toString();
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(4) : x.toFixed(4);
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
