import type { ModelEntry } from 'kindred';

/**
 * docs/models.md: every algorithm, its task and each parameter with its default and meaning, from the registry
 * itself (so the page cannot drift; a test compares them). Regenerate with `npx kindred models --markdown`.
 */
export function renderModelsMarkdown(entries: readonly ModelEntry[]): string {
  const out: string[] = [
    '# Algorithms and their parameters',
    '',
    'Generated from the model registry by `npx kindred models --markdown > docs/models.md` (a test keeps it in sync).',
    'Pass parameters as `--param key=value` on the command line or as the options object of `createModel(name, {...})`.',
    'Defaults equal the reference implementation the model follows (Surprise, implicit, the paper).',
    '',
  ];
  for (const e of entries) {
    out.push(
      `## \`${e.name}\` (${e.task})`,
      '',
      e.description,
      '',
      '| parameter | default | meaning |',
      '|---|---|---|',
    );
    for (const [key, value] of Object.entries(e.defaults)) {
      const doc = e.docs[key];
      const extra: string[] = [];
      if (doc?.choices) extra.push(`one of ${doc.choices.map((c) => `\`${c}\``).join(', ')}`);
      if (doc?.min !== undefined) extra.push(`≥ ${doc.min}`);
      if (doc?.max !== undefined) extra.push(`≤ ${doc.max}`);
      if (doc?.integer) extra.push('integer');
      const text = [doc?.description ?? '', extra.length ? `(${extra.join(', ')})` : ''].filter(Boolean).join(' ');
      out.push(`| \`${key}\` | \`${JSON.stringify(value)}\` | ${text.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
