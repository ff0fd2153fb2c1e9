// The dashboard's frame map and grant graph (docs/observing.md#frame-map): markup and script
// for dashboard-page.ts, fed by /api/frames/feed (server-sent events: the whole map once, then
// changed frames and the graph as they change). The map is a canvas one pixel a frame, scaled up
// with image-rendering: pixelated, so 65,536 frames redraw as one putImageData. No dependencies.
export const FRAME_VIEWS_STYLE = `
#frameMap{image-rendering:pixelated;border:1px solid #ccc;cursor:crosshair;background:#eee}
.maprow{display:flex;gap:1.5em;align-items:flex-start}#frameInfo{min-width:280px;font-size:13px;white-space:pre-wrap}
#grantGraph{border:1px solid #ddd;background:#fcfcfc}#grantGraph text{font-size:11px}
.edge{fill:none}.edge.grant{stroke:#4a7fd0}.edge.mapping{stroke:#e08a2c;stroke-width:2}.edge.evtchn{stroke:#888;stroke-dasharray:4 3}
`;

export const FRAME_VIEWS_HTML = `
<h2>Frame map</h2>
<div class="muted">Every machine frame, one cell each, coloured by owner (darker: grant-table frames), or by what it holds (page cache, ring, I/O buffer, Copy-To-Write copy). Frames other
domains map are orange, deeper with more mappers. Hover for a frame; click for its gpfn, mappers and grant refs.</div>
<p id="frameStats" class="muted">waiting for the feed…</p>
<div class="maprow"><canvas id="frameMap" width="1" height="1"></canvas><div id="frameInfo" class="muted">hover a frame</div></div>
<p id="frameLegend" class="legend"></p>

<h2>Grant graph</h2>
<div class="muted">Domains, and between them: grants (blue, granter → grantee), active mappings (orange, mapper → owner)
and event channels (dashed, with sends per second each way).</div>
<svg id="grantGraph" width="640" height="360" viewBox="0 0 640 360" role="img" aria-label="grant graph"></svg>
`;

// Plain string concatenation inside: this text is a template literal's content.
export const FRAME_VIEWS_SCRIPT = String.raw`
const FREE = 0xffff, NONE = 0xfffe;
const fm = { total: 0, cols: 1, owner: new Uint16Array(0), type: new Uint8Array(0), mappers: new Uint8Array(0), types: ["free"] };
const names = new Map();
const fmCanvas = $("frameMap"), fmCtx = fmCanvas.getContext("2d");
let fmImage, fmPending = false;
function hue(domid){ return (domid * 137.508) % 360; }
function hsl(h, s, l){ s /= 100; l /= 100; const k = (n) => (n + h / 30) % 12, a = s * Math.min(l, 1 - l);
  const f = (n) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1)); return [255 * f(0), 255 * f(8), 255 * f(4)]; }
// What a domain said its frames are for (mem_annotate), and Copy-To-Write copies: a colour of their
// own whoever owns them, darker the more domains map them.
const TYPE_RGB = { page_cache: [20, 150, 160], ring: [175, 40, 190], io_buffer: [60, 90, 200], cow_copy: [40, 150, 60] };
function frameColour(mfn){
  const o = fm.owner[mfn], m = fm.mappers[mfn], fixed = TYPE_RGB[fm.types[fm.type[mfn]]];
  if (o === FREE) return [236, 236, 236];
  if (fixed) return fixed.map((c) => c * (1 - 0.18 * Math.min(m, 3)));
  if (m > 0) return m === 1 ? [255, 176, 40] : m === 2 ? [240, 120, 20] : [200, 50, 10];
  if (o === NONE) return [110, 110, 110];
  return hsl(hue(o), 55, fm.types[fm.type[mfn]] === "grant_table" ? 32 : 58);
}
function paint(mfn){ const c = frameColour(mfn), i = mfn * 4, d = fmImage.data; d[i] = c[0]; d[i+1] = c[1]; d[i+2] = c[2]; d[i+3] = 255; }
function flush(){ if (fmPending) return; fmPending = true; requestAnimationFrame(() => { fmPending = false; fmCtx.putImageData(fmImage, 0, 0); stats(); }); }
function b64(text){ const s = atob(text), out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
function snapshot(map){
  fm.total = map.total; fm.types = map.types;
  const o = b64(map.owner); fm.owner = new Uint16Array(o.buffer, 0, o.length / 2);
  fm.type = b64(map.type); fm.mappers = b64(map.mappers);
  fm.cols = 2 ** Math.ceil(Math.log2(Math.sqrt(fm.total)));
  const rows = Math.ceil(fm.total / fm.cols), cell = Math.max(2, Math.min(16, Math.floor(512 / fm.cols)));
  fmCanvas.width = fm.cols; fmCanvas.height = rows;
  fmCanvas.style.width = fm.cols * cell + "px"; fmCanvas.style.height = rows * cell + "px";
  fmImage = fmCtx.createImageData(fm.cols, rows);
  for (let mfn = 0; mfn < fm.total; mfn++) paint(mfn);
  flush();
}
function delta(msg){
  fm.types = msg.types;
  for (const [mfn, o, t, m] of msg.changes) { fm.owner[mfn] = o; fm.type[mfn] = t; fm.mappers[mfn] = m; paint(mfn); }
  flush();
}
function stats(){
  let used = 0, shared = 0; const owners = new Set();
  for (let mfn = 0; mfn < fm.total; mfn++) { const o = fm.owner[mfn]; if (o !== FREE) { used++; owners.add(o); } if (fm.mappers[mfn] > 0) shared++; }
  fmCanvas.dataset.used = used; fmCanvas.dataset.shared = shared; fmCanvas.dataset.owners = [...owners].sort((a, b) => a - b).join(",");
  $("frameStats").textContent = fm.total + " frames: " + used + " in use, " + shared + " mapped by another domain, " + (fm.total - used) + " free";
  $("frameLegend").innerHTML = [...owners].filter((o) => o < NONE).sort((a, b) => a - b).map((o) => { const c = hsl(hue(o), 55, 58);
    return '<span><i class="sw" style="background:rgb(' + c.map(Math.round).join(",") + ')"></i>' + (names.get(o) ?? "d" + o) + '</span>'; }).join("") +
    '<span><i class="sw" style="background:#ffb028"></i>mapped by 1</span><span><i class="sw" style="background:#c8320a"></i>by 3 or more</span>' +
    Object.entries(TYPE_RGB).map(([t, c]) => '<span><i class="sw" style="background:rgb(' + c.join(",") + ')"></i>' + t.replace("_", " ") + '</span>').join("");
}
function frameAt(ev){
  const r = fmCanvas.getBoundingClientRect(), rows = fmCanvas.height;
  const x = Math.floor((ev.clientX - r.left) / r.width * fm.cols), y = Math.floor((ev.clientY - r.top) / r.height * rows);
  const mfn = y * fm.cols + x; return mfn >= 0 && mfn < fm.total ? mfn : -1;
}
function ownerName(o){ return o === FREE ? "free" : o === NONE ? "no owner (still mapped)" : (names.get(o) ?? "?") + " (d" + o + ")"; }
fmCanvas.addEventListener("mousemove", (ev) => { const mfn = frameAt(ev); if (mfn < 0) return;
  $("frameInfo").textContent = "mfn " + mfn + "\nowner " + ownerName(fm.owner[mfn]) + "\ntype " + fm.types[fm.type[mfn]] + "\nmappers " + fm.mappers[mfn]; });
fmCanvas.addEventListener("click", async (ev) => { const mfn = frameAt(ev); if (mfn < 0) return;
  const f = await fetch("/api/frames/" + mfn).then((r) => r.json());
  $("frameInfo").textContent = "mfn " + f.mfn + "\nowner " + (f.owner == null ? "none" : f.ownerName + " (d" + f.owner + ")") + "\ntype " + f.type +
    "\ngpfn " + (f.gpfn ?? "–") + "\ngrant refs " + (f.grantRefs.join(", ") || "–") + "\nmappers " +
    (f.mappers.map((m) => "d" + m.domid + " at gpfn " + m.gpfn + " ref " + m.ref + (m.readonly ? " ro" : " rw")).join("; ") || "–"); });

const lastSends = new Map(); let lastGraphAt = 0;
function graph(g){
  for (const n of g.nodes) names.set(n.domid, n.name);
  const now = performance.now(), dt = lastGraphAt ? (now - lastGraphAt) / 1000 : 0; lastGraphAt = now;
  // Nodes on an ellipse, turned half a step so no edge runs straight up (labels are horizontal).
  const W = 640, H = 360, cx = W / 2, cy = H / 2, RX = cx - 90, RY = cy - 55, N = Math.max(1, g.nodes.length);
  const pos = new Map(g.nodes.map((n, i) => { const a = -Math.PI / 2 + Math.PI / N + 2 * Math.PI * i / N;
    return [n.domid, N === 1 ? [cx, cy] : [cx + RX * Math.cos(a), cy + RY * Math.sin(a)]]; }));
  const bend = { grant: 28, mapping: -28, evtchn: 70 };
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => "&#" + c.charCodeAt(0) + ";");
  let svg = '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#666"/></marker></defs>';
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to); if (!a || !b || e.from === e.to) continue;
    const mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2, dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy) || 1;
    // Bends are taken from the lower domid's side, so each kind (and each direction of a channel)
    // keeps its own lane whichever way its arrow points.
    const side = e.from < e.to ? 1 : -1, k = side * (e.kind === "evtchn" ? side * bend.evtchn : bend[e.kind]);
    const qx = mx - dy / len * k, qy = my + dx / len * k;
    const sx = a[0] + dx / len * 24, sy = a[1] + dy / len * 24, tx = b[0] - dx / len * 24, ty = b[1] - dy / len * 24;
    let label;
    if (e.kind === "grant") label = e.count + " grant" + (e.count === 1 ? "" : "s") + (e.readonly ? " (" + e.readonly + " ro)" : "");
    else if (e.kind === "mapping") label = e.writable + " rw / " + e.readonly + " ro mapped";
    else { const key = e.from + ">" + e.to, before = lastSends.get(key); lastSends.set(key, e.sends);
      const rate = dt > 0 && before != null ? Math.max(0, e.sends - before) / dt : 0; label = e.ports + " port" + (e.ports === 1 ? "" : "s") + " · " + rate.toFixed(0) + "/s"; }
    svg += '<path class="edge ' + e.kind + '" data-kind="' + e.kind + '" data-from="' + e.from + '" data-to="' + e.to + '" marker-end="url(#arr)" d="M' +
      sx.toFixed(1) + "," + sy.toFixed(1) + "Q" + qx.toFixed(1) + "," + qy.toFixed(1) + " " + tx.toFixed(1) + "," + ty.toFixed(1) + '"/>';
    // The label on the outer side of its curve, so labels of parallel lanes do not overlap.
    const lx = (sx + 2 * qx + tx) / 4, ly = (sy + 2 * qy + ty) / 4, anchor = qx > mx + 1 ? "start" : qx < mx - 1 ? "end" : "middle";
    svg += '<text x="' + lx.toFixed(1) + '" y="' + ly.toFixed(1) + '" text-anchor="' + anchor + '" fill="#444">' + esc(label) + "</text>";
  }
  for (const n of g.nodes) { const [x, y] = pos.get(n.domid), c = hsl(hue(n.domid), 55, 58).map(Math.round).join(",");
    svg += '<g class="node" data-domid="' + n.domid + '"><circle cx="' + x.toFixed(1) + '" cy="' + y.toFixed(1) + '" r="22" fill="rgb(' + c + ')" stroke="#333"' +
      (n.state === "running" ? "" : ' stroke-dasharray="3 2"') + '/><text x="' + x.toFixed(1) + '" y="' + (y + 4).toFixed(1) + '" text-anchor="middle">d' + n.domid +
      '</text><text x="' + x.toFixed(1) + '" y="' + (y + 36).toFixed(1) + '" text-anchor="middle">' + esc(n.name) + " · " + n.frames + " frames</text></g>"; }
  $("grantGraph").innerHTML = svg;
  if (fm.total) stats();
}
const feed = new EventSource("/api/frames/feed");
feed.addEventListener("snapshot", (ev) => snapshot(JSON.parse(ev.data)));
feed.addEventListener("delta", (ev) => delta(JSON.parse(ev.data)));
feed.addEventListener("graph", (ev) => graph(JSON.parse(ev.data)));
`;
