// The NFS-style alternative a user would otherwise pick: files over HTTP on loopback, read with
// fetch — one streamed GET for a whole file, a Range GET for a piece.
import type { FileSource } from "./file-source.js";

export function httpSource(baseUrl: string): FileSource {
  const urlOf = (path: string) => `${baseUrl}/${path}`;
  return {
    async readAt(path, target, position) {
      const end = position + target.length - 1;
      const response = await fetch(urlOf(path), { headers: { range: `bytes=${position}-${end}` } });
      if (response.status !== 206) throw new Error(`GET ${path} ${position}-${end}: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      target.set(bytes);
      return bytes.length;
    },
    async readSequential(path, _chunkBytes, seen) {
      // The server's stream sets the piece sizes; the reader takes them as they come.
      const response = await fetch(urlOf(path));
      if (!response.ok || !response.body) throw new Error(`GET ${path}: ${response.status}`);
      let position = 0;
      for await (const piece of response.body) {
        seen(piece, position);
        position += piece.length;
      }
      return position;
    },
    async close() {},
  };
}
