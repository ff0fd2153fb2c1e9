// /fs/<path>: the guest's mount over HTTP. GET reads a file (its bytes) or lists a directory
// (JSON), PUT writes the body (201 created, 204 replaced), DELETE removes (`?recursive=1` for trees).
// POST /fs-rename?from=<path>&to=<path> renames, atomically as rename(2) does (204).
// Under Remus the answer to a change waits for `commit` (docs/remus.md#output-commit).
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, type Route, type RouteContext, sendJson } from "@xenfs/service-kit";
import type { GuestDirent, GuestMount } from "../guest-mount.js";
import type { MountSource } from "../rejoin/current-mount.js";
import { httpErrorOf } from "./fs-errors.js";

/** Largest PUT body taken into memory. */
export const MAX_PUT_BYTES = 64 * 1024 * 1024;

type FsHandler = (
  fs: GuestMount,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RouteContext,
) => Promise<void>;

/** Resolves once what the guest did so far is safe to report (Remus's output commit). */
export type OutputCommit = () => Promise<void> | undefined;

export function fsRoutes(mounts: MountSource, commit: OutputCommit = () => undefined): Route[] {
  // One prefix route per method: `/fs` and `/fs/` are the root, `/fs/a/b` is `a/b`. Each request
  // runs on the mount current when it arrives.
  const route = (method: string, handler: FsHandler): Route => ({
    method,
    path: "/fs",
    prefix: true,
    handler: async (req, res, ctx) => {
      try {
        const path = guestPath(ctx.rest);
        await mounts.use((fs) => handler(fs, path, req, res, ctx));
      } catch (error) {
        throw error instanceof HttpError ? error : httpErrorOf(error);
      }
    },
  });
  return [
    route("GET", async (fs, path, _req, res) => {
      if ((await fs.stat(path)).isDirectory()) {
        const entries = await fs.readdir(path, { withFileTypes: true });
        return sendJson(
          res,
          200,
          entries.map((entry) => ({ name: entry.name, type: typeOf(entry) })),
        );
      }
      await sendFile(fs, path, res);
    }),
    route("PUT", async (fs, path, req, res) => {
      const body = await readBody(req);
      const existed = await fs.exists(path);
      await fs.writeFile(path, body);
      await commit();
      res.writeHead(existed ? 204 : 201).end();
    }),
    route("DELETE", async (fs, path, _req, res, ctx) => {
      const recursive = ctx.url.searchParams.get("recursive") === "1";
      if (recursive) await fs.rm(path, { recursive: true });
      else if ((await fs.lstat(path)).isDirectory()) await fs.rmdir(path);
      else await fs.unlink(path);
      await commit();
      res.writeHead(204).end();
    }),
    renameRoute(mounts, commit),
  ];
}

/** POST /fs-rename?from=a&to=b: rename(2) through the mount; `to` is replaced if it exists. */
function renameRoute(mounts: MountSource, commit: OutputCommit): Route {
  return {
    method: "POST",
    path: "/fs-rename",
    handler: async (_req, res, ctx) => {
      const from = ctx.url.searchParams.get("from");
      const to = ctx.url.searchParams.get("to");
      if (!from || !to) throw new HttpError(400, "EINVAL", "POST /fs-rename needs ?from=<path>&to=<path>");
      try {
        await mounts.use((fs) => fs.rename(from, to));
        await commit();
      } catch (error) {
        throw error instanceof HttpError ? error : httpErrorOf(error);
      }
      res.writeHead(204).end();
    },
  };
}

/** Bytes a GET reads at a time: the guest holds one chunk of a file, not the whole of it. */
export const GET_CHUNK_BYTES = 256 * 1024;

/**
 * Streams a file through one reused chunk: each chunk is read once the last one reached the
 * socket. A reader's memory stays one chunk whatever the file's size, so what a guest costs the
 * host is its mappings, not a private copy of every file it served. The length is the size at
 * open; a file that shrinks meanwhile ends the response early (aborted).
 */
async function sendFile(fs: GuestMount, path: string, res: ServerResponse): Promise<void> {
  const handle = await fs.open(path, "r");
  let open = true;
  const close = async () => {
    if (open) await handle.close();
    open = false;
  };
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.allocUnsafe(Math.min(GET_CHUNK_BYTES, Math.max(size, 1)));
    let sent = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - sent), sent);
      const last = bytesRead === 0 || sent + bytesRead >= size;
      // Closed before the last bytes go out: once the client has the file, the guest is done with it.
      if (last) await close();
      // The first chunk is read before the header goes out, so an error still gets its status code.
      if (!res.headersSent)
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
      if (bytesRead > 0) await written(res, chunk.subarray(0, bytesRead));
      sent += bytesRead;
      if (last) break;
    }
    if (sent < size) res.destroy(new Error(`${path} shrank while it was sent`));
    else res.end();
  } catch (error) {
    await close().catch(() => {});
    if (!res.headersSent) throw error;
    res.destroy(error as Error); // mid-body: the client sees a cut response, not a wrong one
  }
}

/** Resolves once `bytes` left for the socket, so the buffer may be reused. */
function written(res: ServerResponse, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

/** The URL's path below /fs, percent-decoding each segment; "" is the export's root. */
function guestPath(rest: string): string {
  try {
    return rest.split("/").map(decodeURIComponent).join("/") || ".";
  } catch {
    throw new HttpError(400, "EINVAL", "bad percent-encoding in the path");
  }
}

function typeOf(entry: GuestDirent): "file" | "directory" | "symlink" | "other" {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "directory";
  return entry.isSymbolicLink() ? "symlink" : "other";
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PUT_BYTES) throw new HttpError(413, "EFBIG", `body exceeds ${MAX_PUT_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
