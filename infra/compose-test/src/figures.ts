// The summary the test ends with: one aligned line per figure.
export function printFigures(figures: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(0, ...figures.map(([name]) => name.length));
  console.log("\ncompose-test figures");
  for (const [name, value] of figures) console.log(`  ${name.padEnd(width)}  ${value}`);
  console.log("");
}
