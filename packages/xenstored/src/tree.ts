import { pathSegments } from "./paths.js";
import type { XsPerms } from "./permissions.js";

/**
 * A XenStore node. Nodes are immutable: a change copies the path from the root down, so a
 * transaction's snapshot of the whole database is just the root it started from.
 */
export interface XsNode {
  readonly value: Uint8Array;
  readonly perms: XsPerms;
  /** Leaf name → child, in creation order (the order DIRECTORY lists them). */
  readonly children: ReadonlyMap<string, XsNode>;
  /** Bumped whenever this node's value, perms or child list changes: transactions compare it. */
  readonly generation: number;
}

const EMPTY = new Uint8Array(0);

export function newNode(perms: XsPerms, generation: number, value: Uint8Array = EMPTY): XsNode {
  return { value, perms, children: new Map(), generation };
}

export function lookup(root: XsNode, path: string): XsNode | undefined {
  let node: XsNode | undefined = root;
  for (const name of pathSegments(path)) {
    node = node.children.get(name);
    if (!node) return undefined;
  }
  return node;
}

/**
 * A new root with `node` stored at `path` (or the node removed when undefined). The parent must
 * exist; it gets `generation` when its child list changes, as xenstored rewrites the parent then.
 */
export function storeAt(root: XsNode, path: string, node: XsNode | undefined, generation: number): XsNode {
  const segments = pathSegments(path);
  if (segments.length === 0) {
    if (!node) throw new Error("the root node cannot be removed");
    return node;
  }
  return storeBelow(root, segments, 0, node, generation);
}

function storeBelow(
  parent: XsNode,
  segments: readonly string[],
  depth: number,
  node: XsNode | undefined,
  generation: number,
): XsNode {
  const name = segments[depth]!;
  const current = parent.children.get(name);
  const children = new Map(parent.children);
  if (depth < segments.length - 1) {
    if (!current) throw new Error(`missing parent /${segments.slice(0, depth + 1).join("/")}`);
    children.set(name, storeBelow(current, segments, depth + 1, node, generation));
    return { ...parent, children };
  }
  if (node) children.set(name, node);
  else children.delete(name);
  const listChanged = (current === undefined) !== (node === undefined);
  return { ...parent, children, generation: listChanged ? generation : parent.generation };
}

/** Every node of the subtree at `path`, children before their parent (the order RM deletes in). */
export function* postOrder(node: XsNode, path: string): Generator<[string, XsNode]> {
  for (const [name, child] of node.children)
    yield* postOrder(child, path === "/" ? `/${name}` : `${path}/${name}`);
  yield [path, node];
}

/** The NUL-terminated child names, as DIRECTORY sends them. */
export function childList(node: XsNode): Uint8Array {
  const text = [...node.children.keys()].map((name) => `${name}\0`).join("");
  return new TextEncoder().encode(text);
}
