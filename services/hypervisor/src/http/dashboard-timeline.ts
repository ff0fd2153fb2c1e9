// The dashboard's request-path timeline (docs/observing.md#tracing): with dom0's token it opens
// the trace feed, waits for one XenFS request whose guest span (issued → answered) and dom0 span
// (taken off the ring → answered) have both come, closes the feed (tracing off again) and draws
// the request's path — guest → ring (event) → dom0 → grant maps → hypervisor → guest — as bars on
// one time axis. The token stays in the page (sessionStorage), as xl keeps it in the environment.

export const TIMELINE_STYLE = `
#timeline{border:1px solid #ddd;background:#fcfcfc}#timeline text{font:11px system-ui,sans-serif}
#timelineInfo{white-space:pre;font:12px ui-monospace,monospace}`;

export const TIMELINE_HTML = `
<h2>One request's path</h2>
<div class="muted">Traces the next XenFS request a guest makes (dom0's token: tracing is privileged, as xentrace is) and
draws its path from the trace: the guest's request, its event to dom0, dom0 serving it, grant maps, every hypercall in
between with its time in the hypervisor, and dom0's event back to the guest.</div>
<p><input id="traceToken" type="password" placeholder="XEN_DOM0_TOKEN" size="24">
<button id="traceStart">Trace the next request</button> <span id="traceState" class="muted"></span></p>
<svg id="timeline" width="900" height="210" viewBox="0 0 900 210" role="img" aria-label="one request's path"></svg>
<div id="timelineInfo"></div>`;

// Plain string concatenation inside: this text is a template literal's content.
export const TIMELINE_SCRIPT = String.raw`
const ROWS = [
  ["guest", "guest: request", "#4a7fd0"],
  ["ring", "ring: event to dom0", "#8a5cc0"],
  ["dom0", "dom0: serves it", "#2c9a5a"],
  ["grant", "grant maps / copies", "#e08a2c"],
  ["hyp", "hypervisor: hypercalls", "#777"],
  ["back", "event back to guest", "#c0392b"],
];
$("traceToken").value = sessionStorage.getItem("xenToken") ?? "";
function pathOf(records){
  // The newest guest span whose dom0 span (same ring id, inside it) has come too.
  const fronts = records.filter((r) => r.kind === "xenfs" && r.side === "front").reverse();
  for (const f of fronts) {
    const b = records.find((r) => r.kind === "xenfs" && r.side === "back" && r.domid === f.peer && r.peer === f.domid &&
      r.id === f.id && r.ts >= f.ts - 0.5 && r.ts <= f.ts + f.durUs / 1000);
    if (b) return { f, b };
  }
}
function rowOf(r, f, b){
  const g = f.domid, d0 = b.domid;
  if (r.kind === "xenfs") return r === f ? "guest" : r === b ? "dom0" : undefined;
  if (r.kind === "event") return r.domid === g && r.peer === d0 ? "ring" : r.domid === d0 && r.peer === g ? "back" : "hyp";
  if (r.kind === "grant_map" || r.kind === "grant_unmap" || r.op === "gnttab_copy") return "grant";
  if (r.kind === "hypercall") return "hyp";
}
function drawPath(records, f, b){
  const t0 = f.ts - 0.2, t1 = f.ts + f.durUs / 1000 + 0.2, W = 900, left = 170, scale = (W - left - 10) / (t1 - t0);
  const x = (ts) => left + (ts - t0) * scale, esc = (s) => String(s).replace(/[&<>"]/g, (c) => "&#" + c.charCodeAt(0) + ";");
  let svg = "", count = {};
  ROWS.forEach(([key, label], i) => { svg += '<text x="4" y="' + (26 + i * 30) + '">' + label + "</text>"; });
  const inside = records.filter((r) => (r === f || r === b || (r.kind !== "xenfs" && r.kind !== "upcall")) &&
    (r.domid === f.domid || r.domid === b.domid) && r.ts >= t0 && r.ts <= t1);
  for (const r of inside) {
    const row = rowOf(r, f, b); if (!row) continue;
    const i = ROWS.findIndex(([k]) => k === row), colour = ROWS[i][2];
    const w = Math.max(2, (r.durUs ?? 0) / 1000 * scale);
    count[row] = (count[row] ?? 0) + 1;
    svg += '<rect class="span" data-row="' + row + '" x="' + x(r.ts).toFixed(1) + '" y="' + (14 + i * 30) + '" width="' + w.toFixed(1) +
      '" height="16" fill="' + colour + '"><title>' + esc("d" + r.domid + " " + r.op + (r.durUs != null ? " " + r.durUs.toFixed(1) + " µs" : "")) + "</title></rect>";
  }
  const ms = (t1 - t0).toFixed(2);
  svg += '<text x="' + left + '" y="200">0</text><text x="' + (W - 10) + '" y="200" text-anchor="end">' + ms + " ms</text>";
  $("timeline").innerHTML = svg;
  $("timeline").dataset.rows = Object.keys(count).sort().join(",");
  $("timelineInfo").textContent = "d" + f.domid + " " + f.op + " (ring id " + f.id + "): " + (f.durUs / 1000).toFixed(3) + " ms in the guest, " +
    (b.durUs / 1000).toFixed(3) + " ms in dom0; " + inside.length + " records";
}
$("traceStart").addEventListener("click", async () => {
  const token = $("traceToken").value.trim(); sessionStorage.setItem("xenToken", token);
  const stop = new AbortController(), records = [];
  $("traceState").textContent = "tracing… make a guest read or write";
  try {
    const res = await fetch("/api/trace", { headers: { authorization: "Bearer " + token }, signal: stop.signal });
    if (!res.ok) { $("traceState").textContent = "refused: " + res.status; return; }
    const reader = res.body.getReader(), decoder = new TextDecoder(); let buffer = "", found;
    while (!found) {
      const { value, done } = await reader.read(); if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const chunk = buffer.slice(0, end); buffer = buffer.slice(end + 2);
        if (chunk.startsWith("data: ")) { records.push(JSON.parse(chunk.slice(6))); if (records.length > 20000) records.splice(0, 10000); }
      }
      found = pathOf(records);
    }
    stop.abort();
    if (!found) { $("traceState").textContent = "the feed ended"; return; }
    $("traceState").textContent = "traced";
    drawPath(records, found.f, found.b);
  } catch (error) { if (!stop.signal.aborted) $("traceState").textContent = String(error); }
});
`;
