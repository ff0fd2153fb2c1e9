// Read-ahead for sequential readers, as Linux's ondemand read-ahead: a read starting where the
// last one ended doubles the window; any other read starts it over.
import type { OpenFile } from "../open-file.js";

export const READAHEAD = { initialPages: 4, maxPages: 64 } as const;

/** The last page to map for a read of pages [first, last] of a file ending at page `lastOfFile`. */
export function readaheadEnd(file: OpenFile, first: number, last: number, lastOfFile: number): number {
  file.window =
    first === file.nextPage && file.window > 0
      ? Math.min(file.window * 2, READAHEAD.maxPages)
      : READAHEAD.initialPages;
  return Math.min(Math.max(last, first + file.window - 1), lastOfFile);
}
