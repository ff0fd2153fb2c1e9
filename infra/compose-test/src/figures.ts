// The summary the test ends with: one aligned line per figure.
export function printFigures(
  figures: readonly (readonly [string, string | number])[],
  title = "compose-test figures",
): void {
  const width = Math.max(0, ...figures.map(([name]) => name.length));
  console.log(`\n${title}`);
  for (const [name, value] of figures) console.log(`  ${name.padEnd(width)}  ${value}`);
  console.log("");
}
