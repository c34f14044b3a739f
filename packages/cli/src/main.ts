/** Entry of the `kindred` command. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`kindred ${argv.join(' ')}\n`);
  return 0;
}
