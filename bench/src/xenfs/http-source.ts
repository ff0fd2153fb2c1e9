// The network alternative a user would otherwise pick: files over HTTP on loopback, read with
// fetch — one streamed GET for a whole file, a Range GET for a piece, a directory's JSON list and
// HEAD + GET per file for a walk, a streamed PUT (fsync'd by the server) for a write, PUT / HEAD /
// DELETE for metadata.
import type { FileSource } from "./file-source.js";
import { writePattern } from "./file-source.js";

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: ${response.status}`);
  return response;
}

export function httpSource(baseUrl: string): FileSource {
  const urlOf = (path: string) => `${baseUrl}/${path.replace(/^\/+/, "")}`;
  const walk = async (dir: string, total: { files: number; bytes: number }) => {
    const entries = (await (await ok(await fetch(urlOf(`${dir}/`)), `GET ${dir}/`)).json()) as {
      name: string;
      dir: boolean;
    }[];
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.dir) {
        await walk(path, total);
        continue;
      }
      const head = await ok(await fetch(urlOf(path), { method: "HEAD" }), `HEAD ${path}`);
      const size = Number(head.headers.get("content-length"));
      const data = await (await ok(await fetch(urlOf(path)), `GET ${path}`)).arrayBuffer();
      if (data.byteLength !== size) throw new Error(`${path}: read ${data.byteLength} of ${size} bytes`);
      total.files++;
      total.bytes += size;
    }
    return total;
  };
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
    walk: (dir) => walk(dir, { files: 0, bytes: 0 }),
    async writeSequential(path, bytes, chunkBytes) {
      const chunk = writePattern(chunkBytes);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const length = Math.min(chunkBytes, bytes - sent);
          if (length <= 0) return controller.close();
          controller.enqueue(chunk.subarray(0, length));
          sent += length;
        },
      });
      await ok(
        await fetch(urlOf(path), { method: "PUT", body, duplex: "half" } as RequestInit),
        `PUT ${path}`,
      );
      return bytes;
    },
    async metadata(prefix, count) {
      for (let i = 0; i < count; i++) {
        const url = urlOf(`${prefix}-${i}`);
        await ok(await fetch(url, { method: "PUT", body: new Uint8Array(0) }), `PUT ${url}`);
        await ok(await fetch(url, { method: "HEAD" }), `HEAD ${url}`);
        await ok(await fetch(url, { method: "DELETE" }), `DELETE ${url}`);
      }
      return 3 * count;
    },
    async close() {},
  };
}
