import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// The tests drive the store through libxen's XenStore client (in-process and socket transports).
// libxen is not a declared dependency: libxen's own tests still start a hypervisor, which depends
// on this package, and turbo refuses the cycle. So it is resolved from source here, as
// vitest.shared.ts does for testkit/skip; it becomes a devDependency once those tests leave libxen.
export default mergeConfig(shared, {
  resolve: { alias: { "@xenfs/libxen": fileURLToPath(new URL("../libxen/src/index.ts", import.meta.url)) } },
});
