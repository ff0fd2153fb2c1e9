// `/`: a self-contained dashboard (no external assets) polling /api/memory and /api/domains.
import { type Route, sendText } from "@xenfs/service-kit";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>XenFS hypervisor</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;margin-top:1em}
td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}th{background:#f4f4f4}
td:nth-child(2),th:nth-child(2){text-align:left}
.bar{display:flex;height:22px;width:640px;background:#eee;border:1px solid #ccc}
.used{background:#4a7fd0}.shared{background:#e08a2c}.legend span{margin-right:1.5em}
#err{color:#b00}
</style></head><body>
<h1>XenFS hypervisor</h1>
<div class="bar"><div id="shared" class="shared"></div><div id="used" class="used"></div></div>
<p class="legend"><span>frames: <b id="total">?</b> total</span><span style="color:#4a7fd0">■ used <b id="nused">?</b></span>
<span style="color:#e08a2c">■ shared <b id="nshared">?</b></span><span>free <b id="free">?</b></span></p>
<table><thead><tr><th>domid</th><th>name</th><th>state</th><th>frames</th><th>maps</th><th>grants</th><th>ports</th><th>connected</th></tr></thead>
<tbody id="domains"></tbody></table><p id="err"></p>
<script>
const $ = (id) => document.getElementById(id);
function cell(text){const td=document.createElement("td");td.textContent=String(text);return td;}
async function poll(){
  try{
    const [memory, domains] = await Promise.all([fetch("/api/memory").then(r=>r.json()), fetch("/api/domains").then(r=>r.json())]);
    const f = memory.frames, pct = (n) => (100 * n / Math.max(1, f.total)) + "%";
    $("total").textContent=f.total; $("nused").textContent=f.used; $("nshared").textContent=f.shared; $("free").textContent=f.free;
    $("shared").style.width=pct(f.shared); $("used").style.width=pct(f.used - f.shared);
    const rows = domains.map((d) => { const tr=document.createElement("tr");
      for (const v of [d.domid,d.name,d.state,d.frames,d.maps,d.grants,d.ports,d.connected?"yes":"no"]) tr.appendChild(cell(v));
      return tr; });
    $("domains").replaceChildren(...rows); $("err").textContent="";
  }catch(e){ $("err").textContent="hypervisor unreachable: "+e; }
}
poll(); setInterval(poll, 1000);
</script></body></html>
`;

export function dashboardRoute(): Route {
  return {
    method: "GET",
    path: "/",
    handler: (_q, res) => sendText(res, 200, PAGE, "text/html; charset=utf-8"),
  };
}
