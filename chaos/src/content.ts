// What a writer puts in a key: a header naming the key and version, then bytes that follow from
// both, so a read tells exactly which write it saw, and whether all of it.

const HEADER = (key: string, version: number) => `chaos ${key} v${version}\n`;

/** The bytes of `key` at `version`, `size` long. */
export function contentOf(key: string, version: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  const header = Buffer.from(HEADER(key, version));
  let x = [...key].reduce((sum, c) => (Math.imul(sum, 31) + c.charCodeAt(0)) >>> 0, version * 2654435761);
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  header.copy(bytes, 0, 0, Math.min(header.length, size));
  return bytes;
}

/**
 * What a read saw: the whole of one version; a prefix of one (a write in flight truncates first);
 * an empty or missing file; or bytes no write produced.
 */
export type Seen =
  | { readonly state: "complete"; readonly version: number }
  | { readonly state: "partial"; readonly version?: number }
  | { readonly state: "empty" | "missing" }
  /** Not one version: kept whole, so the checker can tell a mix of versions page by page. */
  | { readonly state: "corrupt"; readonly bytes: Buffer };

export function classify(key: string, bytes: Buffer | undefined, size: number): Seen {
  if (bytes === undefined) return { state: "missing" };
  if (bytes.length === 0) return { state: "empty" };
  const m = /^chaos (\S+) v(\d+)\n/.exec(bytes.subarray(0, 128).toString("latin1"));
  if (!m) {
    const prefix = Buffer.from(`chaos ${key} v`);
    const n = Math.min(prefix.length, bytes.length);
    return bytes.length < prefix.length + 12 && bytes.subarray(0, n).equals(prefix.subarray(0, n))
      ? { state: "partial" }
      : { state: "corrupt", bytes };
  }
  const version = Number(m[2]);
  if (m[1] !== key || bytes.length > size) return { state: "corrupt", bytes };
  const expected = contentOf(key, version, size);
  if (!bytes.equals(expected.subarray(0, bytes.length))) return { state: "corrupt", bytes };
  return bytes.length === size ? { state: "complete", version } : { state: "partial", version };
}

const PAGE = 4096;

/**
 * Which version each page of `bytes` is, among `versions` (0: zeros, as a truncate leaves them);
 * undefined for a page that is none of them. A read that overlaps a replace may see pages of
 * both versions (reads and writes are atomic per page, not per file, as on Linux).
 */
export function pageVersions(
  key: string,
  bytes: Buffer,
  size: number,
  versions: readonly number[],
): (number | undefined)[] {
  // Newest first, each version's content made only when a page is compared with it: a read
  // mixes the versions around it, so it matches within a few, where making every version's
  // content for every mixed read of a long run (thousands of versions) held the check for many
  // minutes.
  const newestFirst = [...new Set(versions)].sort((a, b) => b - a);
  const made = new Map<number, Buffer>();
  const content = (v: number): Buffer => {
    let bytesOfV = made.get(v);
    if (bytesOfV === undefined) {
      bytesOfV = contentOf(key, v, size);
      made.set(v, bytesOfV);
    }
    return bytesOfV;
  };
  const pages: (number | undefined)[] = [];
  for (let at = 0; at < bytes.length; at += PAGE) {
    const page = bytes.subarray(at, at + PAGE);
    if (page.every((b) => b === 0)) {
      pages.push(0);
      continue;
    }
    pages.push(newestFirst.find((v) => page.equals(content(v).subarray(at, at + page.length))));
  }
  return pages;
}
