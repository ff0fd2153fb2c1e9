// xl's <domain> argument: a domid or a name, as libxl_domain_qualifier_to_domid() takes it.
import { ToolError } from "../errors.js";
import type { DomainRecord, HypervisorApi } from "./api.js";

export async function findDomain(api: HypervisorApi, qualifier: string): Promise<DomainRecord> {
  const domains = await api.domains();
  const found = /^\d+$/.test(qualifier)
    ? domains.find((d) => d.domid === Number(qualifier))
    : domains.find((d) => d.name === qualifier && (d.state === "running" || d.state === "paused"));
  // libxl's ERROR_INVAL is -6, and xl says so.
  if (!found) throw new ToolError("ESRCH", `${qualifier} is an invalid domain identifier (rc=-6)`);
  return found;
}
