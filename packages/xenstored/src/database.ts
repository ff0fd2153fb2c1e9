import { XsError } from "./errors.js";
import { baseName, isSpecialPath, parentPath } from "./paths.js";
import { allows, isPrivileged, owner, XS_PERM, type XsCaller, type XsPerms } from "./permissions.js";
import { enforceQuota, nodeSize, type XsQuotas } from "./quotas.js";
import { lookup, newNode, postOrder, storeAt, type XsNode } from "./tree.js";

/** `subtree`: watches at or above the path fire; `exact`: only watches on the path itself. */
export type WatchMatch = "exact" | "subtree";

/** One modification, for the watch machinery. */
export interface XsChange {
  readonly path: string;
  readonly match: WatchMatch;
  /** The node as watchers' read permission is judged on: after a write, before a delete. */
  readonly node: XsNode;
  /** The parent's perms at the time: a watcher that can read the parent hears about the child. */
  readonly parentPerms?: XsPerms;
  /** Permissions before a SET_PERMS: a watcher losing access still hears about it. */
  readonly oldPerms?: XsPerms;
}

/** Called with a node's state before a request first reads or changes it (transactions record it). */
export type AccessHook = (path: string, node: XsNode | undefined) => void;

interface DbState {
  root: XsNode;
  /** `@introduceDomain`, `@releaseDomain`: nodes outside the tree that carry watch permissions. */
  specials: ReadonlyMap<string, XsNode>;
  /** Nodes owned per domid, for the `nodes` quota. */
  owned: Map<number, number>;
}

/**
 * The node database with xenstored's access rules. A fork shares the immutable nodes, so a
 * transaction works on a private copy of the whole store for the price of one Map.
 */
export class XsDatabase {
  readonly #state: DbState;

  constructor(
    state: DbState,
    private readonly nextGeneration: () => number,
    private readonly quotas: XsQuotas,
    private readonly onAccess?: AccessHook,
  ) {
    this.#state = state;
  }

  static create(
    root: XsNode,
    specials: ReadonlyMap<string, XsNode>,
    nextGeneration: () => number,
    quotas: XsQuotas,
  ) {
    const owned = new Map<number, number>();
    for (const [, node] of postOrder(root, "/")) bump(owned, owner(node.perms), 1);
    return new XsDatabase({ root, specials, owned }, nextGeneration, quotas);
  }

  fork(onAccess?: AccessHook): XsDatabase {
    const { root, specials, owned } = this.#state;
    return new XsDatabase(
      { root, specials, owned: new Map(owned) },
      this.nextGeneration,
      this.quotas,
      onAccess,
    );
  }

  /** Take over a fork's state (a committed transaction). */
  adopt(fork: XsDatabase): void {
    this.#state.root = fork.#state.root;
    this.#state.specials = fork.#state.specials;
    this.#state.owned = new Map(fork.#state.owned);
  }

  get(path: string): XsNode | undefined {
    return isSpecialPath(path) ? this.#state.specials.get(path) : lookup(this.#state.root, path);
  }

  nodeCount(): number {
    let total = 0;
    for (const n of this.#state.owned.values()) total += n;
    return total;
  }

  ownedBy(domid: number): number {
    return this.#state.owned.get(domid) ?? 0;
  }

  /** The node if `caller` may access it as `wanted`; ENOENT/EACCES as xenstored's get_node(). */
  read(caller: XsCaller, path: string, wanted: number = XS_PERM.READ): XsNode {
    const node = this.#existing(caller, path, wanted);
    if (!node) throw new XsError("ENOENT", `${path} does not exist`);
    return node;
  }

  write(caller: XsCaller, path: string, value: Uint8Array): XsChange[] {
    const node = this.#existing(caller, path, XS_PERM.WRITE);
    const written = node ? this.#update(caller, path, { ...node, value }) : this.#create(caller, path, value);
    return [this.#change(path, "subtree", written)];
  }

  mkdir(caller: XsCaller, path: string): XsChange[] {
    if (this.#existing(caller, path, XS_PERM.WRITE)) return [];
    return [this.#change(path, "subtree", this.#create(caller, path, new Uint8Array(0)))];
  }

  /** Recursive; a missing node is fine when its parent exists. */
  rm(caller: XsCaller, path: string): XsChange[] {
    if (path === "/") throw new XsError("EINVAL", "the root cannot be removed");
    const node = this.#existing(caller, path, XS_PERM.WRITE);
    const parent = parentPath(path)!;
    this.#touch(parent);
    if (!node) {
      if (this.get(parent)) return [];
      throw new XsError("ENOENT", `${parent} does not exist`);
    }
    const changes: XsChange[] = [];
    for (const [p, n] of postOrder(node, path)) {
      this.#touch(p);
      bump(this.#state.owned, owner(n.perms), -1);
      changes.push(this.#change(p, p === path ? "subtree" : "exact", n));
    }
    this.#state.root = storeAt(this.#state.root, path, undefined, this.nextGeneration());
    return changes;
  }

  setPerms(caller: XsCaller, path: string, perms: XsPerms): XsChange[] {
    enforceQuota(this.quotas, caller, "permissions", perms.length);
    const node = this.read(caller, path, XS_PERM.WRITE | XS_PERM.OWNER);
    if (!isPrivileged(caller) && owner(perms) !== owner(node.perms)) {
      throw new XsError("EPERM", "only dom0 may change a node's owner");
    }
    const updated = this.#update(caller, path, { ...node, perms });
    if (!isSpecialPath(path)) {
      bump(this.#state.owned, owner(node.perms), -1);
      bump(this.#state.owned, owner(perms), 1);
    }
    return [{ ...this.#change(path, "subtree", updated), oldPerms: node.perms }];
  }

  /**
   * A dead domain's leftover nodes pass to dom0 and its other entries go, so a later domain
   * reusing the domid inherits nothing (xenstored's domain_adjust_node_perms()).
   */
  disown(domid: number): void {
    const generation = this.nextGeneration();
    const strip = (node: XsNode): XsNode => {
      const children = new Map(node.children);
      let below = false;
      for (const [name, child] of node.children) {
        const stripped = strip(child);
        if (stripped === child) continue;
        children.set(name, stripped);
        below = true;
      }
      const mentions = node.perms.some((p) => p.domid === domid);
      if (!mentions && !below) return node;
      const [first, ...rest] = node.perms;
      const perms: XsPerms = [
        first.domid === domid ? { ...first, domid: 0 } : first,
        ...rest.filter((p) => p.domid !== domid),
      ];
      return { ...node, perms, children, generation: mentions ? generation : node.generation };
    };
    this.#state.root = strip(this.#state.root);
    bump(this.#state.owned, 0, this.ownedBy(domid));
    this.#state.owned.delete(domid);
  }

  /** The node, or undefined when it is missing and the nearest ancestor lets `caller` know that. */
  #existing(caller: XsCaller, path: string, wanted: number): XsNode | undefined {
    this.#touch(path);
    const node = this.get(path);
    if (node) {
      if (!allows(caller, node.perms, wanted))
        throw new XsError("EACCES", `domain ${caller.domid} may not access ${path}`);
      return node;
    }
    if (isSpecialPath(path)) return undefined;
    // errno_from_parents(): ENOENT only if the caller could have seen the node; else EACCES.
    if (allows(caller, this.#nearestAncestor(path).perms, wanted)) return undefined;
    throw new XsError("EACCES", `domain ${caller.domid} may not access ${path}`);
  }

  #nearestAncestor(path: string): XsNode {
    let p = parentPath(path)!;
    while (!this.get(p)) p = parentPath(p)!;
    return this.get(p)!;
  }

  /** Create `path` and missing parents; new nodes inherit perms, unprivileged creators own them. */
  #create(caller: XsCaller, path: string, value: Uint8Array): XsNode {
    // From the new leaf up to the topmost missing node; the root always exists.
    const missing: string[] = [];
    let parentName = path;
    while (!this.get(parentName)) {
      this.#touch(parentName);
      missing.push(parentName);
      parentName = parentPath(parentName)!;
    }
    this.#touch(parentName);
    const parent = this.get(parentName)!;
    const perms: XsPerms = isPrivileged(caller)
      ? parent.perms
      : [{ ...parent.perms[0], domid: caller.domid }, ...parent.perms.slice(1)];
    enforceQuota(this.quotas, caller, "nodes", this.ownedBy(owner(perms)) + missing.length);
    const generation = this.nextGeneration();
    const leaf = newNode(perms, generation, value);
    let subtree = leaf;
    for (const below of missing.slice(0, -1)) {
      subtree = { ...newNode(perms, generation), children: new Map([[baseName(below), subtree]]) };
    }
    const top = missing.at(-1)!;
    const grown = { ...parent, children: new Map([...parent.children, [baseName(top), subtree]]) };
    enforceQuota(this.quotas, caller, "nodeSize", nodeSize(leaf));
    enforceQuota(this.quotas, caller, "nodeSize", nodeSize(grown));
    this.#state.root = storeAt(this.#state.root, top, subtree, generation);
    bump(this.#state.owned, owner(perms), missing.length);
    return leaf;
  }

  #update(caller: XsCaller, path: string, node: XsNode): XsNode {
    const updated = { ...node, generation: this.nextGeneration() };
    enforceQuota(this.quotas, caller, "nodeSize", nodeSize(updated));
    if (isSpecialPath(path)) {
      this.#state.specials = new Map([...this.#state.specials, [path, updated]]);
    } else {
      this.#state.root = storeAt(this.#state.root, path, updated, updated.generation);
    }
    return updated;
  }

  #change(path: string, match: WatchMatch, node: XsNode): XsChange {
    const parent = parentPath(path);
    const parentPerms = parent === undefined ? undefined : this.get(parent)?.perms;
    return parentPerms ? { path, match, node, parentPerms } : { path, match, node };
  }

  #touch(path: string): void {
    this.onAccess?.(path, this.get(path));
  }
}

function bump(owned: Map<number, number>, domid: number, by: number): void {
  const n = (owned.get(domid) ?? 0) + by;
  if (n > 0) owned.set(domid, n);
  else owned.delete(domid);
}
