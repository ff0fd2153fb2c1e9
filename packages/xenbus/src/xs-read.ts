// Reads of nodes another domain creates and removes at will: absence is an answer, not an error.
import { XenError, type XsOps } from "@xenfs/libxen";

/** The node's value, or undefined when it does not exist. */
export async function readOptional(xs: Pick<XsOps, "read">, path: string): Promise<string | undefined> {
  try {
    return await xs.read(path);
  } catch (error) {
    if (error instanceof XenError && error.code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A node in another domain's tree: undefined when it does not exist or can no longer be seen.
 * Once its directory is gone, xenstored answers a guest EACCES rather than ENOENT (it will not
 * say what exists where the guest may not read), which means the same thing here: gone.
 */
export async function readPeer(xs: Pick<XsOps, "read">, path: string): Promise<string | undefined> {
  try {
    return await xs.read(path);
  } catch (error) {
    if (error instanceof XenError && (error.code === "ENOENT" || error.code === "EACCES")) return undefined;
    throw error;
  }
}

/** Every key directly under `dir` with its value (a key removed meanwhile is left out). */
export async function readKeys(
  xs: Pick<XsOps, "read" | "directory">,
  dir: string,
): Promise<Record<string, string>> {
  const names = await xs.directory(dir).catch((error: unknown) => {
    if (error instanceof XenError && error.code === "ENOENT") return [];
    throw error;
  });
  const values = await Promise.all(names.map((name) => readOptional(xs, `${dir}/${name}`)));
  const keys: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) keys[name] = value;
  });
  return keys;
}
