// The HTTP file server (http-file-server.ts) as its own process.
import { JsonLinesProcess } from "@xenfs/testkit/process";

export interface HttpServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startHttpServer(exportDir: string): Promise<HttpServerProcess> {
  const child = JsonLinesProcess.start("http-server", "bench/src/xenfs/http-file-server.ts", {
    HTTP_EXPORT: exportDir,
  });
  const { url } = await child.event<{ url: string }>("ready");
  return { url, pid: child.pid ?? -1, stop: () => child.stop() };
}
