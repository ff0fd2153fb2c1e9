// Running commands inside a cluster's containers, whichever engine placed them: Compose (its
// project and service labels) or a swarm stack (its service names). Everything the migration
// test does goes through `docker exec`, since a stack's overlay addresses are out of the host's
// reach.
import { type Compose, docker } from "./docker.js";

export interface ClusterShell {
  /** One running container of the service (`hypervisor`, `dom0`, `dom0-b`, `domu`…). */
  container(service: string): Promise<string>;
  /** `docker exec` in that container; `env` adds variables for this command only. */
  exec(service: string, argv: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>;
}

function shellOver(find: (service: string) => Promise<string[]>): ClusterShell {
  const container = async (service: string) => {
    const [id] = await find(service);
    if (!id) throw new Error(`no running ${service} container`);
    return id;
  };
  return {
    container,
    async exec(service, argv, env = {}) {
      const vars = Object.entries(env).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
      return docker("exec", ...vars, await container(service), ...argv);
    },
  };
}

export function composeShell(compose: Compose): ClusterShell {
  return shellOver((service) => compose.running(service));
}

/** A stack's tasks carry `com.docker.swarm.service.name=<stack>_<service>`. */
export function swarmShell(stack: string): ClusterShell {
  return shellOver(async (service) => {
    const out = await docker(
      "ps",
      "-q",
      "--no-trunc",
      "--filter",
      `label=com.docker.swarm.service.name=${stack}_${service}`,
    );
    return out === "" ? [] : out.split("\n").sort();
  });
}
