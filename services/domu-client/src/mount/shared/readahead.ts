// Read-ahead for sequential readers, as Linux's ondemand read-ahead: a read starting where the
// last one ended grows the window (doubling, and to at least twice the read), any other read
// starts it over; never past the most the guest's page budget leaves room for.
import type { OpenFile } from "../open-file.js";

export const READAHEAD = { initialPages: 4, maxPages: 1024 } as const;

/**
 * The last page to map for a read of pages [first, last] of a file ending at page `lastOfFile`,
 * with a window of at most `maxPages`.
 */
export function readaheadEnd(
  file: OpenFile,
  first: number,
  last: number,
  lastOfFile: number,
  maxPages: number = READAHEAD.maxPages,
): number {
  const sequential = first === file.nextPage && file.window > 0;
  const grown = Math.max(file.window * 2, 2 * (last - first + 1));
  file.window = Math.min(sequential ? grown : READAHEAD.initialPages, maxPages);
  return Math.min(Math.max(last, first + file.window - 1), lastOfFile);
}
