// Where a split device lives in XenStore, as Xen's toolstack lays it out.

/** A device of one domain: `{ type: "vif", devid: 0 }`. */
export interface DeviceId {
  readonly type: string;
  readonly devid: number;
}

/** The keys of io/xenbus.h and the toolstack's device directories. */
export const XenbusKey = {
  state: "state",
  backend: "backend",
  backendId: "backend-id",
  frontend: "frontend",
  frontendId: "frontend-id",
  ringRef: "ring-ref",
  eventChannel: "event-channel",
  /** Backend feature: the largest multi-page ring it maps, as an order (blkif.h). */
  maxRingPageOrder: "max-ring-page-order",
  /** Frontend: its ring spans 2^order pages, granted as `ring-ref0` … (blkif.h). */
  ringPageOrder: "ring-page-order",
} as const;

/** `ring-ref<i>`: the grant of page `i` of a multi-page ring. */
export function ringRefKey(i: number): string {
  return `${XenbusKey.ringRef}${i}`;
}

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/** `/local/domain/<backend>/backend/<type>`: every device of this type the backend serves. */
export function backendTypeDir(backendDomid: number, type: string): string {
  return `${domainPath(backendDomid)}/backend/${type}`;
}

/** `/local/domain/<backend>/backend/<type>/<frontend>/<devid>` */
export function backendDir(backendDomid: number, frontendDomid: number, id: DeviceId): string {
  return `${backendTypeDir(backendDomid, id.type)}/${frontendDomid}/${id.devid}`;
}

/** `/local/domain/<frontend>/device/<type>/<devid>` */
export function frontendDir(frontendDomid: number, id: DeviceId): string {
  return `${domainPath(frontendDomid)}/device/${id.type}/${id.devid}`;
}
