// The dashboard's "faults in force" panel (docs/faults.md): the rules of GET /api/faults, grouped
// by the domain they apply to (hypervisor-wide ones first). That route is the admin API's, so the
// page asks for XEN_DOM0_TOKEN once and keeps it for the tab (sessionStorage), never in the URL.
export const FAULTS_HTML = `
<h2>Faults in force</h2>
<div class="muted">XEN_FAULTS rules, per domain, as <code>xl fault</code> and <code>PUT /api/faults</code> set them.
The list is the admin API's: give the dom0 token to see it.</div>
<p><input id="faultToken" type="password" placeholder="XEN_DOM0_TOKEN" autocomplete="off" size="28">
<button id="faultTokenSet">show</button> <span id="faultState" class="muted">no token</span></p>
<table><thead><tr><th>domid</th><th class="l">domain</th><th class="l">rules</th></tr></thead><tbody id="faults"></tbody></table>
`;

// Uses the page's $ and td. The spec's rules are in the order of `rules` (formatFaults is 1:1).
export const FAULTS_SCRIPT = String.raw`
let faultToken = sessionStorage.getItem("xenDom0Token") ?? "", faultDomains = [];
$("faultTokenSet").addEventListener("click", () => { faultToken = $("faultToken").value.trim();
  sessionStorage.setItem("xenDom0Token", faultToken); $("faultToken").value = ""; pollFaults(); });
async function pollFaults(domains){
  if (domains) faultDomains = domains;
  if (!faultToken) return;
  try {
    const r = await fetch("/api/faults", { headers: { authorization: "Bearer " + faultToken } });
    if (!r.ok) { $("faultState").textContent = r.status === 403 ? "wrong token" : "faults: HTTP " + r.status; $("faults").replaceChildren(); return; }
    const view = await r.json(), texts = view.spec ? view.spec.split(",") : [];
    const byDomain = new Map();
    view.rules.forEach((rule, i) => { const key = rule.domid ?? -1; byDomain.set(key, [...(byDomain.get(key) ?? []), texts[i] ?? rule.kind]); });
    const names = new Map(faultDomains.map((d) => [d.domid, d.name]));
    $("faultState").textContent = view.rules.length + " rule" + (view.rules.length === 1 ? "" : "s") + " in force";
    $("faults").replaceChildren(...[...byDomain].sort((a, b) => a[0] - b[0]).map(([domid, rules]) => {
      const tr = document.createElement("tr"); tr.dataset.domid = String(domid);
      tr.append(td(domid < 0 ? "–" : domid, ""), td(domid < 0 ? "hypervisor-wide (every domain; crash rules: the hypervisor's)" : (names.get(domid) ?? "(no such domain)"), "l"), td(rules.join(", "), "l"));
      return tr; }));
  } catch (e) { $("faultState").textContent = "faults: " + e; }
}
`;
