// The dashboard's "Saves and migrations" panel (docs/migration.md#progress): GET /api/migrations,
// what this host sends (rounds, pages per round, octets, how long the guest was suspended here)
// and what it receives (the image, and how long until the guest's process attached).
export const MIGRATIONS_HTML = `
<h2>Saves and migrations</h2>
<table><thead><tr><th class="l">leaving</th><th class="l">to</th><th class="l">state</th><th class="l">pages per round (last: suspended)</th>
<th>sent</th><th>total</th><th>suspended here</th></tr></thead><tbody id="departures"></tbody></table>
<table><thead><tr><th class="l">arriving</th><th>domid</th><th class="l">state</th><th>received</th><th>process attached after</th></tr></thead>
<tbody id="arrivals"></tbody></table>
<p class="muted">A live migration sends every frame (round 0), then the frames dirtied meanwhile, round by round, then
suspends the guest for the last round. The guest's downtime is "suspended here" on the source plus "process attached
after" on the target; the guest's own figure (the longest stall a request saw) is in its <code>/api/mount</code>.</p>
`;

// Uses the page's $, td, mib and fmt.
export const MIGRATIONS_SCRIPT = String.raw`
const ms = (v) => v == null ? "–" : v + " ms";
async function pollMigrations(){
  const view = await fetch("/api/migrations").then((r) => r.json());
  $("departures").replaceChildren(...view.departures.slice().reverse().map((d) => {
    const tr = document.createElement("tr");
    const rounds = d.rounds.map((r) => r.round + ":" + fmt(r.pages) + (r.suspended ? "*" : "")).join(" ");
    const to = d.kind === "save" ? "(file)" : (d.target ?? "").replace(/^wss?:\/\//, "").replace(/\/hypercall$/, "");
    tr.append(td(d.name + " (dom" + d.domid + ")", "l"), td(to, "l"), td(d.state + (d.error ? ": " + d.error : ""), "l"),
      td(rounds || (d.kind === "save" ? "one image" : "round 0…"), "l"), td(mib(d.bytes)), td(ms(d.totalMs)), td(ms(d.suspendedMs)));
    return tr; }));
  $("arrivals").replaceChildren(...view.arrivals.slice().reverse().map((a) => {
    const tr = document.createElement("tr");
    tr.append(td(a.name || "…", "l"), td(a.domid < 0 ? "–" : a.domid), td(a.state + (a.error ? ": " + a.error : ""), "l"),
      td(mib(a.bytes)), td(ms(a.attachedAfterMs)));
    return tr; }));
}
`;
