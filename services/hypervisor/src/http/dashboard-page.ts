// The dashboard page: self-contained (no external assets), polling /api/memory, /api/domains and
// /metrics once a second. What it shows is what this project is about: where machine frames go
// (owned, and shared by mapping), what the host really spends on them (processes' Pss, the memory
// file's resident bytes), and the traffic between domains (hypercalls, events). Below them, the
// frame map and grant graph (dashboard-views.ts), which stream rather than poll; the faults in
// force per domain (dashboard-faults.ts), from the admin API; one XenFS request's path
// (dashboard-timeline.ts), from the trace feed.
import { FAULTS_HTML, FAULTS_SCRIPT } from "./dashboard-faults.js";
import { MIGRATIONS_HTML, MIGRATIONS_SCRIPT } from "./dashboard-migrations.js";
import { TIMELINE_HTML, TIMELINE_SCRIPT, TIMELINE_STYLE } from "./dashboard-timeline.js";
import { FRAME_VIEWS_HTML, FRAME_VIEWS_SCRIPT, FRAME_VIEWS_STYLE } from "./dashboard-views.js";

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>XenFS hypervisor</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.3em;margin-bottom:.2em}h2{font-size:1.05em;margin:1.6em 0 .4em}
.muted{color:#666}.err{color:#b00}
table{border-collapse:collapse}td,th{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right}
th{background:#f4f4f4;font-weight:600}td.l,th.l{text-align:left}
.bar{display:flex;height:20px;background:#eee;border:1px solid #ccc;width:640px}
.bar div{height:100%}.own{background:#4a7fd0}.shr{background:#e08a2c}.map{background:repeating-linear-gradient(45deg,#e08a2c,#e08a2c 4px,#f6c894 4px,#f6c894 8px)}
.mini{display:flex;height:12px;width:220px;background:#f3f3f3}
.legend span{margin-right:1.4em}.sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:150px}
.card b{font-size:1.4em;display:block}svg{display:block}
${FRAME_VIEWS_STYLE}${TIMELINE_STYLE}</style></head><body>
<h1>XenFS hypervisor <span id="hostName" class="muted"></span></h1>
<div class="muted">Machine memory is one pool of 4 KiB frames. A frame is <i>owned</i> by one domain; other domains
reach it only through grants they map. A frame mapped by a domain other than its owner is <i>shared</i>.</div>

<h2>Machine frames</h2>
<div class="cards">
 <div class="card">total<b id="total">–</b></div>
 <div class="card">in use<b id="used">–</b><span id="usedPct" class="muted"></span></div>
 <div class="card">shared<b id="shared">–</b><span class="muted">mapped by another domain</span></div>
 <div class="card">free<b id="free">–</b></div>
</div>
<p>Frames in use, <span class="muted">shared part first:</span></p>
<div class="bar"><div id="barShared" class="shr"></div><div id="barPrivate" class="own"></div></div>
<p class="legend"><span><i class="sw shr"></i>shared</span><span><i class="sw own"></i>private to their owner</span></p>

<h2>Host memory, in real terms</h2>
<div class="cards">
 <div class="card">host<b id="hostTotal">–</b><span class="muted">Pss of the processes + memory file</span></div>
 <div class="card">memory file<b id="fileResident">–</b><span id="filePath" class="muted"></span></div>
 <div class="card">hypervisor Pss<b id="hvPss">–</b><span id="hvRss" class="muted"></span></div>
 <div class="card">domains' Pss<b id="domPss">–</b><span id="domCount" class="muted"></span></div>
</div>
<p class="muted">Pss (proportional set size) splits each shared page among the processes that map it, so the sum is
what the processes cost together. Frames in the memory file are read in place and mapped by no process: the file's
resident bytes count once, beside the Pss. n/a: no memory file (frames live in the hypervisor's heap), or no report yet.</p>

<h2>Domains</h2>
<table><thead><tr><th>domid</th><th class="l">name</th><th class="l">host</th><th class="l">state</th><th>owns</th><th>maps</th>
<th class="l">owned <i class="sw own"></i> / mapped <i class="sw map"></i></th><th>grants</th><th>ports</th><th>Rss</th><th>Pss</th><th class="l">session</th></tr></thead>
<tbody id="domains"></tbody></table>
<p class="muted">owns: frames the domain owns (populated, grant-table, received by transfer).
maps: frames of other domains it has mapped through grants. grants: its grant entries other domains have mapped.
Rss, Pss: the domain process's own memory, as it reports it (libxen, every 2 s).</p>

<h2>Traffic</h2>
<div class="cards">
 <div class="card">hypercalls/s<b id="hcRate">–</b></div>
 <div class="card">event sends/s<b id="evRate">–</b></div>
 <div class="card">grant maps active<b id="maps">–</b></div>
</div>
<svg id="spark" width="640" height="70" viewBox="0 0 640 70" role="img" aria-label="hypercalls per second, last two minutes"></svg>
<p class="muted">hypercalls/s over the last two minutes (blue) and event sends/s (orange), each scaled to its own peak.</p>
<table><thead><tr><th class="l">busiest hypercalls (last second)</th><th>per second</th><th>total</th></tr></thead><tbody id="ops"></tbody></table>
${MIGRATIONS_HTML}${FAULTS_HTML}${FRAME_VIEWS_HTML}
${TIMELINE_HTML}
<p id="err" class="err"></p>
<script>
const $ = (id) => document.getElementById(id);
const mib = (b) => b == null ? "n/a" : (b / 1048576).toFixed(1) + " MiB";
const fmt = (n) => n >= 1e6 ? (n/1e6).toFixed(1)+"M" : n >= 1e4 ? (n/1e3).toFixed(1)+"k" : String(Math.round(n));
function td(text, cls){const c=document.createElement("td");c.textContent=String(text);if(cls)c.className=cls;return c;}
function metrics(text){ // Prometheus text → { name|labels: value }
  const out = new Map();
  for (const line of text.split("\\n")) {
    if (!line || line[0] === "#") continue;
    const i = line.lastIndexOf(" "); out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
let last, history = [];
function rates(now){
  const ops = [...now].filter(([k]) => k.startsWith("xen_hypercalls_total{"));
  const total = (m) => [...m].filter(([k]) => k.startsWith("xen_hypercalls_total{")).reduce((s,[,v]) => s+v, 0);
  const sends = (m) => m.get("xen_evtchn_sends_total") ?? 0;
  if (!last) { last = { m: now, t: performance.now() }; return; }
  const dt = (performance.now() - last.t) / 1000, prev = last.m;
  const hc = (total(now) - total(prev)) / dt, ev = (sends(now) - sends(prev)) / dt;
  $("hcRate").textContent = fmt(hc); $("evRate").textContent = fmt(ev);
  $("maps").textContent = fmt(now.get("xen_grant_maps_active") ?? 0);
  history.push([hc, ev]); if (history.length > 120) history.shift();
  const rows = ops.map(([k, v]) => [k.match(/op="([^"]*)"/)?.[1] ?? k, (v - (prev.get(k) ?? 0)) / dt, v])
    .sort((a, b) => b[1] - a[1] || b[2] - a[2]).slice(0, 8)
    .map(([op, r, v]) => { const tr = document.createElement("tr"); tr.append(td(op, "l"), td(fmt(r)), td(fmt(v))); return tr; });
  $("ops").replaceChildren(...rows);
  const line = (i, color) => { const peak = Math.max(1, ...history.map((h) => h[i]));
    const pts = history.map((h, x) => (x * 640 / 119).toFixed(1) + "," + (66 - 62 * h[i] / peak).toFixed(1)).join(" ");
    return '<polyline fill="none" stroke="' + color + '" stroke-width="1.5" points="' + pts + '"/>'; };
  $("spark").innerHTML = '<rect width="640" height="70" fill="#fafafa"/>' + line(0, "#4a7fd0") + line(1, "#e08a2c");
  last = { m: now, t: performance.now() };
}
async function poll(){
  try{
    const [memory, domains, text] = await Promise.all([
      fetch("/api/memory").then(r=>r.json()), fetch("/api/domains").then(r=>r.json()), fetch("/metrics").then(r=>r.text())]);
    const f = memory.frames;
    $("total").textContent = fmt(f.total); $("used").textContent = fmt(f.used); $("shared").textContent = fmt(f.shared); $("free").textContent = fmt(f.free);
    $("usedPct").textContent = (100 * f.used / Math.max(1, f.total)).toFixed(1) + "% of memory";
    const inUse = Math.max(1, f.used);
    $("barShared").style.width = (100 * f.shared / inUse) + "%"; $("barPrivate").style.width = (100 * (f.used - f.shared) / inUse) + "%";
    const h = memory.host;
    $("hostTotal").textContent = mib(h.totalBytes);
    $("fileResident").textContent = mib(h.memoryFile?.residentBytes); $("filePath").textContent = h.memoryFile?.path ?? "no memory file";
    $("hvPss").textContent = mib(h.hypervisor?.pssBytes); $("hvRss").textContent = "Rss " + mib(h.hypervisor?.rssBytes);
    $("domPss").textContent = mib(h.reportedPssBytes); $("domCount").textContent = h.domains.length + " reporting";
    $("hostName").textContent = domains[0]?.host ? "— host " + domains[0].host : "";
    const widest = Math.max(1, ...domains.map((d) => d.frames + d.maps));
    $("domains").replaceChildren(...domains.map((d) => {
      const tr = document.createElement("tr");
      const bar = document.createElement("td"); bar.className = "l";
      bar.innerHTML = '<div class="mini"><div class="own" style="width:' + (100*d.frames/widest) + '%"></div><div class="map" style="width:' + (100*d.maps/widest) + '%"></div></div>';
      tr.append(td(d.domid), td(d.name, "l"), td(d.host ?? "", "l"), td(d.state, "l"), td(fmt(d.frames)), td(fmt(d.maps)), bar, td(fmt(d.grants)), td(fmt(d.ports)), td(mib(d.rssBytes)), td(mib(d.pssBytes)), td(d.connected ? "connected" : "dropped (lease running)", "l"));
      return tr; }));
    rates(metrics(text));
    await pollFaults(domains);
    await pollMigrations();
    $("err").textContent = "";
  }catch(e){ $("err").textContent = "hypervisor unreachable: " + e; }
}
${FAULTS_SCRIPT}${MIGRATIONS_SCRIPT}
poll(); setInterval(poll, 1000);
${FRAME_VIEWS_SCRIPT}${TIMELINE_SCRIPT}</script></body></html>
`;
