// The launcher's command line: what a host looks like (guests, export, memory, ports) and how
// its status is shown. Parsing validates every value up front so a typo fails before any
// process starts.
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { DOMU_ENV, GUEST_MODES } from "@xenfs/domu-client/env";
import { HYPERVISOR_ENV } from "@xenfs/hypervisor/env";
import { DEFAULT_LOG_LEVEL, envDefault, LOG_LEVELS, type LogLevel } from "@xenfs/service-kit";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { OptionError } from "./errors.js";

/** The guests' XENFS_MODE: the modes the guest's env spec accepts. */
type GuestMode = (typeof GUEST_MODES)[number];

export type StatusStyle = "table" | "json" | "quiet";

/** Guests listen from base port + GUEST_PORT_OFFSET (7100, 7101, … for the default base). */
export const GUEST_PORT_OFFSET = 100;
export const MAX_GUESTS = 64;
/** Hosts on this machine: the first runs the guests, the others wait for migrations. */
export const MAX_HOSTS = 4;

export interface LaunchOptions {
  /** Hosts (a hypervisor and its dom0 each) exporting the same directory (docs/migration.md#hosts). */
  readonly hosts: number;
  readonly guests: number;
  /** Directory dom0 exports; undefined means the generated sample tree. */
  readonly exportDir: string | undefined;
  /** Seconds to run before stopping by itself; undefined means until a signal. */
  readonly durationSeconds: number | undefined;
  readonly mode: GuestMode;
  /**
   * Block mode: the ext4 image dom0 serves the guests read-only; undefined means one made from the
   * export with mkfs.ext4 -d (docs/blkif.md#making-an-image).
   */
  readonly blockImage: string | undefined;
  readonly memoryMb: number;
  readonly cacheMb: number;
  readonly basePort: number;
  readonly logLevel: LogLevel;
  readonly status: StatusStyle;
  /** Run every service from its TypeScript sources even where a (possibly stale) dist/ exists. */
  readonly fromSource: boolean;
  /** Where logs, the sample export and the xenstored socket go; undefined means run/ in the repo. */
  readonly runDir: string | undefined;
  /** Start a crashed service again (false: --no-restart, the crash stands). */
  readonly restart: boolean;
}

function integerIn(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

function positiveSeconds(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError("must be a number of seconds greater than 0.");
  }
  return value;
}

export function buildCli(): Command {
  return new Command("xenfs-launcher")
    .description("Run a whole XenFS host on this machine: hypervisor, dom0 and guests as processes.")
    .addOption(
      new Option("-g, --guests <n>", "number of guests").argParser(integerIn(0, MAX_GUESTS)).default(3),
    )
    .addOption(
      new Option("--hosts <n>", "hosts (hypervisor + dom0) sharing the export; guests start on the first")
        .argParser(integerIn(1, MAX_HOSTS))
        .default(1),
    )
    .addOption(new Option("-e, --export <dir>", "directory dom0 exports (default: a generated sample tree)"))
    .addOption(
      new Option(
        "-d, --duration <seconds>",
        "stop by itself after this long (default: until Ctrl-C)",
      ).argParser(positiveSeconds),
    )
    .addOption(
      new Option("-m, --mode <mode>", "the guests' XenFS mode")
        .choices(GUEST_MODES)
        .default(envDefault(DOMU_ENV, "XENFS_MODE")),
    )
    .addOption(
      new Option(
        "--block-image <file>",
        "--mode block: the ext4 image dom0 serves (default: made from the export with mkfs.ext4 -d)",
      ),
    )
    .addOption(
      new Option("--memory-mb <mib>", "machine memory of the hypervisor")
        .argParser(integerIn(16, 65536))
        .default(envDefault(HYPERVISOR_ENV, "XEN_MEMORY_MB")),
    )
    .addOption(
      new Option("--cache-mb <mib>", "dom0's page-cache budget")
        .argParser(integerIn(1, 65536))
        .default(envDefault(DOM0_ENV, "XENFS_CACHE_MB")),
    )
    .addOption(
      new Option("-p, --base-port <port>", "hypervisor port; dom0 on +1, guests from +100")
        .argParser(integerIn(1024, 65535))
        .env("XENFS_BASE_PORT")
        .default(envDefault(HYPERVISOR_ENV, "PORT")),
    )
    .addOption(
      new Option("--log-level <level>", "LOG_LEVEL of every service")
        .choices(LOG_LEVELS)
        .default(DEFAULT_LOG_LEVEL),
    )
    .addOption(new Option("-q, --quiet", "no status table, only addresses and errors").conflicts("json"))
    .addOption(new Option("--json", "status as one JSON object per line"))
    .addOption(new Option("--from-source", "run the services from src/ through tsx, never their dist/"))
    .addOption(new Option("--run-dir <dir>", "where logs, the sample export and sockets go (default: run/)"))
    .addOption(
      new Option("--no-restart", "leave a crashed service down instead of restarting it (for experiments)"),
    );
}

interface RawOptions {
  hosts: number;
  guests: number;
  export?: string;
  duration?: number;
  mode: GuestMode;
  blockImage?: string;
  memoryMb: number;
  cacheMb: number;
  basePort: number;
  logLevel: LogLevel;
  quiet?: true;
  json?: true;
  fromSource?: true;
  restart: boolean;
  runDir?: string;
}

/**
 * Parses `args` (without the node and script paths). Throws OptionError on a bad command line;
 * `--help` and `--version` surface as a CommanderError with exitCode 0, for main to honour.
 */
export function parseOptions(args: readonly string[], cli: Command = buildCli()): LaunchOptions {
  cli.exitOverride().configureOutput({ writeErr: () => {} });
  try {
    // `pnpm start -- --guests 5` hands the script a literal leading "--": not an operand here.
    cli.parse(args[0] === "--" ? args.slice(1) : [...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode !== 0) {
      throw new OptionError(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  const raw = cli.opts<RawOptions>();
  return checkCombination({
    hosts: raw.hosts,
    guests: raw.guests,
    exportDir: raw.export,
    durationSeconds: raw.duration,
    mode: raw.mode,
    blockImage: raw.blockImage,
    memoryMb: raw.memoryMb,
    cacheMb: raw.cacheMb,
    basePort: raw.basePort,
    logLevel: raw.logLevel,
    status: raw.json ? "json" : raw.quiet ? "quiet" : "table",
    fromSource: raw.fromSource === true,
    restart: raw.restart,
    runDir: raw.runDir,
  });
}

function checkCombination(options: LaunchOptions): LaunchOptions {
  if (options.blockImage !== undefined && options.mode !== "block")
    throw new OptionError(`--block-image is for --mode block, not --mode ${options.mode}`);
  const lastGuestPort = options.basePort + GUEST_PORT_OFFSET + Math.max(options.guests, 1) - 1;
  if (lastGuestPort > 65535) {
    throw new OptionError(
      `--base-port ${options.basePort} leaves no room for guest ports up to ${lastGuestPort}`,
    );
  }
  if (options.cacheMb >= options.memoryMb) {
    throw new OptionError(`--cache-mb ${options.cacheMb} must be less than --memory-mb ${options.memoryMb}`);
  }
  return options;
}
