/**
 * The live page at / : the VRRP instances with their state and a timeline of transitions, the
 * pools with health, weight and connections. It loads /api/status once, then follows
 * /api/events (server-sent events) and re-reads the status only when something happened: no
 * timer polling. Served from the package itself: no CDN, no build step, no external request.
 */

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>keepalived-ts</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0 0 .2em; } h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  table { border-collapse: collapse; background: #fff; min-width: 40em; }
  th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }
  th { background: #f0f0f0; font-weight: 600; }
  .MASTER { background: #d8f5d8; } .BACKUP { background: #e8eef8; } .FAULT { background: #f8d8d8; } .INIT, .STOP { background: #eee; }
  .down { color: #b00; font-weight: 600; } .up { color: #070; }
  #timeline { list-style: none; padding: 0; max-height: 22em; overflow-y: auto; background: #fff; border: 1px solid #ddd; }
  #timeline li { padding: .2em .6em; border-bottom: 1px solid #eee; font-family: ui-monospace, monospace; font-size: 12px; }
  #meta { color: #666; } #conn { float: right; }
</style>
</head>
<body>
<h1>keepalived-ts <span id="conn">connecting…</span></h1>
<div id="meta"></div>
<h2>VRRP instances</h2>
<table id="instances"><thead><tr><th>instance</th><th>state</th><th>priority</th><th>effective</th><th>master</th><th>VIPs</th><th>tracked</th></tr></thead><tbody></tbody></table>
<h2>Virtual servers</h2>
<table id="pools"><thead><tr><th>virtual server</th><th>scheduler</th><th>real server</th><th>health</th><th>weight</th><th>active / inactive</th><th>last check</th></tr></thead><tbody></tbody></table>
<h2>Timeline</h2>
<ul id="timeline"></ul>
<script>
"use strict";
const $ = (s) => document.querySelector(s);
const text = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
// The timeline keeps its last TIMELINE_MAX lines, and the dedupe keys of those lines only: a
// page left open for months must not grow. An event older than the newest one dropped (the
// horizon) is not shown again: the instances' histories offer their transitions at every refresh.
const TIMELINE_MAX = 500;
const seen = new Map();
let horizon = "";
function line(e) {
  const t = new Date(e.at).toLocaleTimeString();
  if (e.type === "transition") return t + "  " + e.instance + ": " + e.from + " -> " + e.to + " (" + e.reason + ")";
  if (e.type === "checker") return t + "  " + e.rs + " of " + e.vs + " " + (e.up ? "UP" : "DOWN") + " (" + e.reason + ")";
  if (e.type === "pool") return t + "  pool of " + e.vs + ": " + e.servers.map((s) => s.rs + "=" + s.weight).join(", ");
  return t + "  reload " + e.outcome + (e.detail ? ": " + e.detail : "");
}
function addEvent(e, history) {
  // A transition arrives twice (as an event, and in the instance's history): one line for it.
  const key = e.type === "transition" ? [e.at, e.instance, e.from, e.to].join("|") : JSON.stringify(e);
  if (seen.has(key) || (history && e.at <= horizon)) return;
  const li = document.createElement("li");
  li.textContent = line(e);
  li.dataset.type = e.type;
  seen.set(key, { li, at: e.at });
  const ul = $("#timeline");
  ul.prepend(li);
  while (seen.size > TIMELINE_MAX) {
    // A Map iterates in insertion order: the first entry is the oldest line.
    const [oldKey, old] = seen.entries().next().value;
    seen.delete(oldKey);
    old.li.remove();
    if (old.at > horizon) horizon = old.at;
  }
}
function render(s) {
  $("#meta").textContent = "pid " + s.pid + ", " + s.version + ", up since " + new Date(s.startedAt).toLocaleString() + ", children: " + (s.children.join(", ") || "none") + ((s.unanswered || []).length ? " (no answer in time from " + s.unanswered.join(", ") + ")" : "");
  const ib = $("#instances tbody");
  ib.innerHTML = (s.vrrp?.instances ?? []).map((i) =>
    '<tr data-instance="' + text(i.name) + '"><td>' + text(i.name) + '</td><td class="state ' + text(i.state) + '">' + text(i.state) + "</td><td>" + i.priority +
    "</td><td>" + i.effectivePriority + "</td><td>" + text(i.master ?? "") + "</td><td>" + text(i.vips.join(" ")) + "</td><td>" +
    i.tracked.map((t) => text(t.kind + " " + t.name + ": " + t.state)).join("<br>") + "</td></tr>").join("");
  for (const i of s.vrrp?.instances ?? []) for (const tr of i.transitions) addEvent({ at: tr.at, type: "transition", instance: i.name, from: tr.from, to: tr.to, reason: tr.reason }, true);
  $("#pools").hidden = !(s.lvs?.virtualServers ?? []).length;
  $("#pools").previousElementSibling.hidden = $("#pools").hidden;
  const pb = $("#pools tbody");
  pb.innerHTML = (s.lvs?.virtualServers ?? []).flatMap((v) => v.realServers.map((r, k) =>
    "<tr>" + (k === 0 ? '<td rowspan="' + v.realServers.length + '">' + text(v.name) + " " + text(v.kind) + (v.quorumUp ? "" : ' <span class="down">quorum lost</span>') +
      '</td><td rowspan="' + v.realServers.length + '">' + text(v.scheduler) + (v.schedulerInForce !== v.scheduler ? " (runs " + text(v.schedulerInForce) + ")" : "") + "</td>" : "") +
    "<td>" + text(r.address + ":" + r.port) + '</td><td class="' + (r.alive ? "up" : "down") + '">' + (r.alive ? "up" : "down") + "</td><td>" + r.weight +
    "</td><td>" + (r.activeConns ?? "-") + " / " + (r.inactiveConns ?? "-") + "</td><td>" +
    (r.lastCheck ? (r.lastCheck.ok ? "ok" : "failed") + ", " + r.lastCheck.latencyMs + " ms" + (r.lastCheck.ok ? "" : " (" + text(r.lastCheck.reason) + ")") : "-") + "</td></tr>")).join("");
}
let pending = false;
async function refresh() {
  if (pending) return;
  pending = true;
  try { render(await (await fetch("/api/status")).json()); } finally { pending = false; }
}
const events = new EventSource("/api/events");
events.onopen = () => { $("#conn").textContent = "live"; refresh(); };
events.onerror = () => { $("#conn").textContent = "reconnecting…"; };
events.onmessage = (m) => { addEvent(JSON.parse(m.data)); refresh(); };
</script>
</body>
</html>
`;
