// The hypervisor's HTTP API as xl uses it: the public views (/api/domains, /api/memory) and the
// admin endpoints, which need XEN_DOM0_TOKEN. Failures become ToolErrors carrying the
// hypervisor's errno name.
import { ToolError } from "../errors.js";

export interface DomainRecord {
  readonly domid: number;
  readonly name: string;
  /** running, paused, dying or zombie. */
  readonly state: string;
  readonly frames: number;
  readonly maxFrames: number;
  readonly grants: number;
  readonly maps: number;
  readonly ports: number;
  readonly connected: boolean;
  /** The host it runs on (XEN_HOST_NAME, or <hostname>:<port>); absent from an older hypervisor. */
  readonly host?: string;
  /** The domain process's own memory as it last reported it; null until it does. */
  readonly rssBytes?: number | null;
  readonly pssBytes?: number | null;
  /** The process's CPU time in seconds as it last reported it; null until it does. */
  readonly cpuSeconds?: number | null;
}

/** What a domain has done since it joined (/api/stats). */
export interface StatsRecord {
  readonly domid: number;
  readonly hypercalls: number;
  readonly evtchnSends: number;
}

/** The host's memory in real terms (processes' Pss + the memory file's resident bytes). */
export interface HostMemoryRecord {
  readonly memoryFile: { readonly path: string; readonly residentBytes: number } | null;
  readonly hypervisor: { readonly pid: number; readonly rssBytes: number; readonly pssBytes: number } | null;
  readonly reportedPssBytes: number;
  readonly totalBytes: number;
}

export interface MemoryRecord {
  readonly frames: {
    readonly total: number;
    readonly used: number;
    readonly shared: number;
    readonly free: number;
    /** docs/design.md#copy-to-write; absent from a hypervisor that predates them. */
    readonly privateCopies?: number;
    readonly copyToWriteFaults?: number;
    readonly memShared?: number;
    readonly memSharingSaved?: number;
  };
  readonly domains: readonly { readonly domid: number; readonly name: string; readonly frames: number }[];
  /** Absent from a hypervisor that predates the host figures. */
  readonly host?: HostMemoryRecord;
}

/** What `xl mem-share` did (POST /api/mem-share). */
export interface MemShareRecord {
  readonly scanned: number;
  readonly shared: number;
  readonly skipped: number;
  readonly savedFrames: number;
  readonly sharedFrames: number;
}

export interface FaultsRecord {
  readonly spec: string;
}

export interface RemusStartArgs {
  readonly backup: string;
  readonly token: string;
  readonly attachUrl: string;
  readonly intervalMs: number;
  readonly heartbeatMs: number;
}

export interface RemusPairStatus {
  readonly role: "primary" | "backup";
  readonly domid?: number;
  readonly name?: string;
  readonly state: string;
  readonly committed: number;
  readonly last?: { epoch: number; pausedMs: number; pages: number; bytes: number; commitMs: number };
  readonly activated?: { domid: number; epoch: number; silentMs: number };
  readonly primaryDomid?: number;
  readonly discarded?: number;
  readonly error?: string;
}

export interface RemusStatusRecord {
  readonly primaries: RemusPairStatus[];
  readonly backups: RemusPairStatus[];
}

export type DomainAction = "pause" | "unpause" | "destroy";

export const DEFAULT_HYPERVISOR_HTTP = "http://127.0.0.1:7000";

export class HypervisorApi {
  readonly #base: URL;

  constructor(
    base: string,
    private readonly token: string | undefined,
  ) {
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
      throw new ToolError("EINVAL", `XEN_HYPERVISOR_HTTP=${base} is not an http:// URL`);
    }
    this.#base = new URL(base);
  }

  /** Fails before anything is asked when a command that changes state has no token. */
  requireToken(command: string): void {
    if (!this.token) throw new ToolError("EACCES", `xl ${command} needs dom0's token: set XEN_DOM0_TOKEN`);
  }

  domains(): Promise<DomainRecord[]> {
    return this.#request("GET", "/api/domains");
  }

  stats(): Promise<StatsRecord[]> {
    return this.#request("GET", "/api/stats");
  }

  memory(): Promise<MemoryRecord> {
    return this.#request("GET", "/api/memory");
  }

  act(domid: number, action: DomainAction): Promise<{ domid: number; state: string }> {
    return this.#request("POST", `/api/domains/${domid}/${action}`, { admin: action });
  }

  /** Identical-page sharing of one guest's pages (`domid`) or every guest's (undefined). */
  memShare(domid: number | undefined): Promise<MemShareRecord> {
    return this.#request("POST", "/api/mem-share", {
      admin: "mem-share",
      body: domid === undefined ? {} : { domid },
    });
  }

  faults(): Promise<FaultsRecord> {
    return this.#request("GET", "/api/faults", { admin: "fault" });
  }

  setFaults(domid: number, spec: string): Promise<FaultsRecord> {
    return this.#request("PUT", "/api/faults", { admin: "fault", body: { domid, spec } });
  }

  /** The console ring (xl dmesg); `clear` empties it after reading (-c). */
  dmesg(clear: boolean): Promise<{ lines: string[] }> {
    return this.#request("GET", `/api/dmesg${clear ? "?clear=1" : ""}`, { admin: "dmesg" });
  }

  debugKeys(keys: string): Promise<{ output: string[] }> {
    return this.#request("POST", "/api/debug-keys", { admin: "debug-keys", body: { keys } });
  }

  /** mem-set (`targetKb`) or mem-max (`maxKb`). */
  setMemory(
    domid: number,
    body: { targetKb: number } | { maxKb: number },
  ): Promise<{ domid: number; frames: number; maxFrames: number }> {
    const command = "targetKb" in body ? "mem-set" : "mem-max";
    return this.#request("PUT", `/api/domains/${domid}/memory`, { admin: command, body });
  }

  /** Remus (docs/remus.md): protect a domain with a backup host; answers once checkpoint 1 is committed there. */
  remusStart(
    domid: number,
    body: RemusStartArgs,
  ): Promise<{ domid: number; name: string; committed: number }> {
    return this.#request("POST", `/api/remus/${domid}`, { admin: "remus", body });
  }

  remusStop(domid: number): Promise<RemusPairStatus> {
    return this.#request("DELETE", `/api/remus/${domid}`, { admin: "remus" });
  }

  /** The Remus pairs this host is part of, as primary or as backup. */
  remusStatus(): Promise<RemusStatusRecord> {
    return this.#request("GET", "/api/remus", { admin: "remus" });
  }

  /** The trace feed (server-sent events): yields each record's JSON text until `signal` aborts. */
  async *trace(query: URLSearchParams, signal: AbortSignal): AsyncGenerator<string> {
    if (!this.token) throw new ToolError("EACCES", "xl trace needs dom0's token: set XEN_DOM0_TOKEN");
    const url = new URL(`/api/trace?${query}`, this.#base);
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.token}` }, signal }).catch(
      (error: Error) => {
        throw new ToolError("EIO", `cannot reach the hypervisor at ${this.#base.origin}: ${error.message}`);
      },
    );
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } };
      const { code = "EIO", message = `HTTP ${res.status}` } = body?.error ?? {};
      throw new ToolError(code, `${message} (${code})`);
    }
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith("data: ")) yield event.slice(6);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  async #request<T>(
    method: string,
    path: string,
    options: { admin?: string; body?: unknown } = {},
  ): Promise<T> {
    const headers = new Headers();
    if (options.admin !== undefined) {
      if (!this.token)
        throw new ToolError("EACCES", `xl ${options.admin} needs dom0's token: set XEN_DOM0_TOKEN`);
      headers.set("authorization", `Bearer ${this.token}`);
    }
    if (options.body !== undefined) headers.set("content-type", "application/json");
    const url = new URL(path, this.#base);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
      });
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      const why = cause?.message ?? (error as Error).message;
      throw new ToolError(
        cause?.code ?? "EIO",
        `cannot reach the hypervisor at ${this.#base.origin}: ${why}`,
      );
    }
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { code: string; message: string } }
      | undefined;
    if (!res.ok) {
      const { code = "EIO", message = `HTTP ${res.status}` } = body?.error ?? {};
      throw new ToolError(code, `${message} (${code})`);
    }
    return body as T;
  }
}
