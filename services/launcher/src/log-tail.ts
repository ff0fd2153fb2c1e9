// The last lines of a child's log, shown when it dies so the cause is on screen, not in a file.
import { readFile } from "node:fs/promises";

export async function logTail(path: string, lines: number): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-lines);
}
