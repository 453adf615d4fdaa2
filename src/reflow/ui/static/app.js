// reflow ui: the overview, object pages and the dependency graph, kept live by the server's event stream.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const READ_ONLY = document.querySelector('meta[name="read-only"]').content === "true";
const HELM_DIFF = document.querySelector('meta[name="helm-diff"]').content === "true";
const STATUSES = ["Ready", "NotReady", "Stalled", "Suspended", "Unknown"];
const rows = new Map(); // id -> overview row
const filters = { kind: "", namespace: "", status: "", text: "" };
let firstSnapshot = true;
let accessNote = ""; // what the viewer may not list (token and proxy modes); "" when they may list everything
let pending = false;
let changed = null; // ids changed since the last render; null: render everything
let detailTimer = null;
let diffShown = { query: "", html: "" }; // the object page's last diff, kept when a live update redraws the page

const view = () => document.getElementById("view");

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function badge(status) {
  return `<span class="badge ${esc(status)}">${esc(status)}</span>`;
}

function objectQuery(kind, namespace, name, apiVersion) {
  const query = new URLSearchParams({ kind, namespace: namespace || "", name });
  if (apiVersion) query.set("apiVersion", apiVersion);
  return query.toString();
}

function link(kind, namespace, name) {
  return `<a class="object-link" href="#/object?${esc(objectQuery(kind, namespace, name))}">${esc(name)}</a>`;
}

function notice(text, ok) {
  const box = document.getElementById("notice");
  box.textContent = text;
  box.className = ok ? "ok" : "refused";
  box.hidden = false;
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// ---- live updates ----------------------------------------------------------------------------------------------

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => { live.textContent = "live"; live.className = "live on"; };
  source.onerror = () => { live.textContent = "reconnecting…"; live.className = "live"; };
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") {
      if (firstSnapshot) performance.mark("snapshot-received");
      accessNote = message.note || "";
      rows.clear();
      for (const item of message.rows) rows.set(item.id, item);
      schedule(null);
    } else if (message.type === "upsert") {
      rows.set(message.row.id, message.row);
      refreshDetail(message.row.id);
      schedule(message.row.id);
    } else if (message.type === "delete") {
      rows.delete(message.id);
      schedule(message.id);
    }
  };
}

function schedule(id) {
  if (id === null) changed = null;
  else if (changed !== null) changed.add(id);
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const ids = changed;
    changed = new Set();
    if (route().page !== "overview") return;
    if (ids === null || !patchRows(ids)) renderOverview();
  });
}

// ---- overview ---------------------------------------------------------------------------------------------------

function matches(item) {
  if (filters.kind && item.kind !== filters.kind) return false;
  if (filters.namespace && item.namespace !== filters.namespace) return false;
  if (filters.status && item.status !== filters.status) return false;
  if (filters.text) {
    const text = filters.text.toLowerCase();
    if (![item.name, item.message, item.revision, item.kind, item.namespace].some((v) => (v || "").toLowerCase().includes(text))) return false;
  }
  return true;
}

function options(values, selected, label) {
  return [`<option value="">${esc(label)}</option>`]
    .concat(values.map((v) => `<option value="${esc(v)}"${v === selected ? " selected" : ""}>${esc(v)}</option>`))
    .join("");
}

function ensureOverviewFrame() {
  if (document.getElementById("overview")) return;
  view().innerHTML = `<div id="overview">
    <p class="note" id="access-note" hidden></p>
    <div class="counts" id="counts"></div>
    <div class="filters">
      <select id="f-kind"></select><select id="f-namespace"></select>
      <select id="f-status">${options(STATUSES, filters.status, "every status")}</select>
      <input id="f-text" type="search" placeholder="filter by name, message, revision" value="${esc(filters.text)}">
    </div>
    <table><thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Status</th><th>Revision</th><th>Message</th></tr></thead>
    <tbody id="rows"></tbody></table></div>`;
  for (const key of ["kind", "namespace", "status"]) {
    document.getElementById(`f-${key}`).addEventListener("change", (e) => { filters[key] = e.target.value; renderOverview(); });
  }
  document.getElementById("f-text").addEventListener("input", (e) => { filters.text = e.target.value; renderOverview(); });
}

function rowHTML(r) {
  return `<tr class="row" data-id="${esc(r.id)}"><td>${esc(r.kind)}</td><td>${esc(r.namespace)}</td>` +
    `<td>${link(r.kind, r.namespace, r.name)}</td><td class="status">${badge(r.status)}</td>` +
    `<td class="revision">${esc(r.revision)}</td><td class="message">${esc(r.message)}</td></tr>`;
}

// Replace, in place, the rows of objects that changed; false when a row must appear (its place needs a full render).
function patchRows(ids) {
  const body = document.getElementById("rows");
  if (!body) return false;
  const shown = new Map([...body.children].filter((tr) => ids.has(tr.dataset.id)).map((tr) => [tr.dataset.id, tr]));
  for (const id of ids) {
    const item = rows.get(id);
    if (item && matches(item) && !shown.has(id)) return false;
  }
  for (const [id, tr] of shown) {
    const item = rows.get(id);
    if (item && matches(item)) tr.outerHTML = rowHTML(item);
    else tr.remove();
  }
  renderCounts();
  return true;
}

function renderCounts() {
  const all = [...rows.values()];
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const item of all) counts[item.status] += 1;
  document.getElementById("counts").innerHTML = STATUSES.map((s) =>
    `<span class="count" data-status="${s}"><span class="n">${counts[s]}</span>${badge(s)}</span>`).join("");
  for (const box of document.querySelectorAll(".count")) {
    box.onclick = () => { filters.status = filters.status === box.dataset.status ? "" : box.dataset.status; document.getElementById("f-status").value = filters.status; renderOverview(); };
  }
}

function renderOverview() {
  ensureOverviewFrame();
  const all = [...rows.values()];
  const sorted = all.filter(matches).sort((a, b) =>
    a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  renderCounts();
  const kinds = [...new Set(all.map((r) => r.kind))].sort();
  const namespaces = [...new Set(all.map((r) => r.namespace))].sort();
  document.getElementById("f-kind").innerHTML = options(kinds, filters.kind, "every kind");
  document.getElementById("f-namespace").innerHTML = options(namespaces, filters.namespace, "every namespace");
  document.getElementById("rows").innerHTML = sorted.map(rowHTML).join("");
  const note = document.getElementById("access-note");
  note.textContent = accessNote + (accessNote && !rows.size ? " There is nothing here you may list." : "");
  note.hidden = !accessNote;
  if (firstSnapshot && rows.size) {
    firstSnapshot = false;
    performance.mark("overview-rendered");
    performance.measure("overview", "snapshot-received", "overview-rendered");
  }
}

// ---- object page ------------------------------------------------------------------------------------------------

function refreshDetail(id) {
  const current = route();
  if (current.page !== "object" || `${current.kind}/${current.namespace}/${current.name}` !== id) return;
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => renderObject(current, false), 200); // one reload for a burst of changes
}

function table(headers, items) {
  if (!items.length) return `<p class="muted">none</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
    items.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("") + `</tbody></table>`;
}

function actionButtons(obj) {
  if (READ_ONLY || !obj.flux || obj.kind === "ExternalArtifact") return "";
  const buttons = [];
  const reconciled = !["Alert", "Provider"].includes(obj.kind); // ready once they exist: nothing to reconcile
  if (!obj.suspended && reconciled) buttons.push(["reconcile", "Reconcile"]);
  if (!obj.suspended && obj.applier && obj.source) buttons.push(["reconcile-with-source", "Reconcile with source"]);
  buttons.push(obj.suspended ? ["resume", "Resume"] : ["suspend", "Suspend"]);
  return `<div class="actions" id="actions">${buttons.map(([a, label]) => `<button data-action="${a}">${label}</button>`).join("")}</div>`;
}

function treeHTML(node) {
  const kids = node.children.length ? `<ul>${node.children.map(treeHTML).join("")}</ul>` : "";
  const trace = `<a class="trace-link" href="#/object?${esc(objectQuery(node.kind, node.namespace, node.name, node.apiVersion))}">${esc(node.name)}</a>`;
  return `<li data-id="${esc(node.id)}"><span class="kind">${esc(node.kind)}/</span>${trace} ` +
    `<span class="health badge ${esc(node.health)}" title="${esc(node.message)}">${esc(node.health)}</span>${kids}</li>`;
}

async function renderObject(current, fresh) {
  const query = objectQuery(current.kind, current.namespace, current.name, current.apiVersion);
  let obj;
  try {
    obj = await getJSON(`/api/object?${query}`);
  } catch (err) {
    view().innerHTML = `<p class="refused" id="object-error">${esc(err.message)}</p>`;
    return;
  }
  if (route().page !== "object") return;
  const flux = obj.flux;
  view().innerHTML = `<h1 id="object-title">${esc(current.kind)} ${esc(current.namespace)}/${esc(current.name)} ${badge(obj.status)}</h1>
    <p class="muted" id="object-message">${esc(obj.message)}</p>
    ${actionButtons(obj)}
    <section id="conditions"><h2>Conditions</h2>${table(["Type", "Status", "Reason", "Message", "Since"],
      obj.conditions.map((c) => [esc(c.type), esc(c.status), esc(c.reason), esc(c.message), esc(c.lastTransitionTime)]))}</section>
    <section id="revisions"><h2>Revisions</h2>${table(["Revision", "Status", "Digest", "At"],
      obj.revisions.map((r) => [esc(r.revision), esc(r.status), esc(r.digest), esc(r.at)]))}</section>
    <section id="tree"><h2>Inventory</h2><p class="muted">loading…</p></section>
    <section id="trace"><h2>Trace</h2><p class="muted">loading…</p></section>
    <section id="diff"><h2>Diff with the next revision</h2>
      <p><button id="diff-button">Compute the diff</button> <span class="muted">a server-side dry-run of the source's
      current revision (a HelmRelease: its chart with its values), as the viewer; Secret values masked</span></p><div id="diff-result" data-query="${esc(query)}"></div></section>
    <section id="events"><h2>Events</h2>${table(["Type", "Reason", "Message", "At"],
      obj.events.map((e) => [esc(e.type), esc(e.reason), esc(e.message), esc(e.at)]))}</section>
    <section id="yaml"><h2>YAML</h2><pre>${esc(obj.yaml)}</pre></section>`;
  for (const button of document.querySelectorAll("#actions button")) {
    button.addEventListener("click", () => act(button.dataset.action, current));
  }
  if (fresh) document.getElementById("notice").hidden = true;
  if (flux && (current.kind === "Kustomization" || (current.kind === "HelmRelease" && HELM_DIFF))) {
    document.getElementById("diff-button").addEventListener("click", () => showDiff(query));
    if (fresh || diffShown.query !== query) diffShown = { query: "", html: "" };
    document.getElementById("diff-result").innerHTML = diffShown.html;
  } else {
    document.getElementById("diff").remove();
  }
  const appliers = ["Kustomization", "HelmRelease", "ArtifactGenerator"];
  const treeBox = document.getElementById("tree");
  if (flux && appliers.includes(current.kind)) {
    getJSON(`/api/tree?${query}`).then((tree) => { treeBox.innerHTML = `<h2>Inventory</h2><ul class="tree">${treeHTML(tree)}</ul>`; })
      .catch((err) => { treeBox.innerHTML = `<h2>Inventory</h2><p class="refused">${esc(err.message)}</p>`; });
  } else {
    treeBox.remove();
  }
  const traceBox = document.getElementById("trace");
  getJSON(`/api/trace?${query}`).then((t) => { traceBox.innerHTML = `<h2>Trace</h2><pre>${esc(t.text)}</pre>`; })
    .catch((err) => { traceBox.innerHTML = `<h2>Trace</h2><p class="refused">${esc(err.message)}</p>`; });
}

async function showDiff(query) {
  const show = (html) => { // the page may have been redrawn by a live update while the dry-run ran
    diffShown = { query, html };
    const box = document.getElementById("diff-result");
    if (box && box.dataset.query === query) box.innerHTML = html;
  };
  show(`<p class="muted">running the dry-run…</p>`);
  try {
    const diff = await getJSON(`/api/diff?${query}`);
    const changes = diff.changes.map((c) => `<h3 class="change" data-id="${esc(c.id)}">${esc(c.id)} ${badge(c.verdict)}</h3>` +
      (c.report ? `<pre>${esc(c.report)}</pre>` : "")).join("");
    const errors = diff.errors.map((e) => `<p class="refused">${esc(e)}</p>`).join("");
    show((changes || `<p>No changes: the cluster matches the next revision.</p>`) + errors +
      `<p class="muted">${diff.unchanged} object(s) unchanged</p>`);
  } catch (err) {
    show(`<p class="refused">${esc(err.message)}</p>`);
  }
}

async function act(action, current) {
  const query = objectQuery(current.kind, current.namespace, current.name, current.apiVersion);
  const response = await fetch(`/api/actions/${action}?${query}`, { method: "POST", headers: { "X-CSRF-Token": CSRF } });
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    notice(body.message, true);
  } else {
    notice(response.status === 403 ? `Not allowed: ${body.error || "refused"}` : (body.error || `HTTP ${response.status}`), false);
  }
}

// ---- dependency graph -------------------------------------------------------------------------------------------

function layout(graph) {
  const depth = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < graph.nodes.length; round++) { // longest path from the roots; cycles stop at n rounds
    let moved = false;
    for (const e of graph.edges) {
      if (depth.get(e.to) < depth.get(e.from) + 1) { depth.set(e.to, depth.get(e.from) + 1); moved = true; }
    }
    if (!moved) break;
  }
  const columns = new Map();
  for (const n of graph.nodes) {
    const d = depth.get(n.id);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(n);
  }
  const place = new Map();
  // each column starts one row lower than the one before, so an edge that skips a column passes beside its boxes
  for (const [d, nodes] of columns) nodes.forEach((n, i) => place.set(n.id, { x: 20 + d * 280, y: 30 + (i + d) * 44 }));
  return place;
}

async function renderGraph() {
  const graph = await getJSON("/api/graph");
  const place = layout(graph);
  const width = Math.max(...[...place.values()].map((p) => p.x), 0) + 280;
  const height = Math.max(...[...place.values()].map((p) => p.y), 0) + 50;
  const edges = graph.edges.map((e) => {
    const a = place.get(e.from), b = place.get(e.to);
    return `<path class="edge ${esc(e.kind)}" d="M${a.x + 230},${a.y} C${a.x + 255},${a.y} ${b.x - 25},${b.y} ${b.x},${b.y}"><title>${esc(e.kind)}</title></path>`;
  }).join("");
  const nodes = graph.nodes.map((n) => {
    const p = place.get(n.id);
    const [kind, namespace, name] = n.id.split("/");
    return `<a href="#/object?${esc(objectQuery(kind, namespace, name))}"><g class="node" data-id="${esc(n.id)}">` +
      `<rect x="${p.x}" y="${p.y - 14}" width="230" height="28" rx="6" class="${esc(n.status)}"></rect>` +
      `<text x="${p.x + 8}" y="${p.y + 4}">${esc(kind)}/${esc(name)}</text></g></a>`;
  }).join("");
  const note = graph.note ? `<p class="note" id="access-note">${esc(graph.note)}</p>` : "";
  view().innerHTML = `<h1>Dependencies</h1>${note}<p class="muted">source → applier, dependsOn (dashed), ArtifactGenerator → ExternalArtifact; a dashed box: an object you may not list</p>
    <div id="graph"><svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${edges}${nodes}</svg></div>` +
    `<section><h2>Edges</h2>${table(["From", "To", "Kind"], graph.edges.map((e) => [esc(e.from), esc(e.to), esc(e.kind)]))}</section>`;
}

// ---- routing ----------------------------------------------------------------------------------------------------

function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query || "");
  if (path === "/object") {
    return { page: "object", kind: params.get("kind"), namespace: params.get("namespace") || "", name: params.get("name"), apiVersion: params.get("apiVersion") || "" };
  }
  return { page: path === "/graph" ? "graph" : "overview" };
}

function navigate() {
  const current = route();
  if (current.page === "object") renderObject(current, true);
  else if (current.page === "graph") renderGraph().catch((err) => notice(err.message, false));
  else { view().innerHTML = ""; renderOverview(); }
}

window.addEventListener("hashchange", navigate);
navigate();
connect();
