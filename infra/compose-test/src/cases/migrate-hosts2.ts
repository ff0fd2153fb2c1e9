// Issue 13's second host in compose (profile hosts2): guests move from host a to host b and back
// with `xl migrate` run in each host's dom0, their frames intact and no call failed (migrate.ts).
import type { TestCase } from "../context.js";
import { migrateBetweenHosts } from "../migrate.js";
import { composeShell } from "../shell.js";

export const migrateHosts2: TestCase = {
  name: "migrate-hosts2",
  withWrites: false,
  run: (ctx) => migrateBetweenHosts({ shell: composeShell(ctx.compose), figure: ctx.figure }),
};
