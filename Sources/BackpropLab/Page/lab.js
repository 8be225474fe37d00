"use strict";
// backprop lab: every number comes from the server (the library's layers); this script only asks and shows.
const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);

async function api(path, params = {}, method = "GET") {
  const query = new URLSearchParams(Object.assign({ token }, params));
  const response = await fetch(path + "?" + query.toString(), { method });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function showError(target, error) {
  target.textContent = String(error.message || error);
  target.classList.add("error");
}

// --- tabs -------------------------------------------------------------------------------------------
for (const tab of document.querySelectorAll("nav button.tab")) {
  tab.addEventListener("click", () => {
    document.querySelectorAll("nav button.tab").forEach((t) => t.classList.toggle("active", t === tab));
    document.querySelectorAll(".view").forEach((v) => v.classList.toggle("active", v.id === "view-" + tab.dataset.view));
    if (tab.dataset.view === "network") loadNetwork();
    if (tab.dataset.view === "training") connectTraining();
    if (tab.dataset.view === "book") loadBook();
  });
}

// --- a stepped graph (the §5 graphs and the network share this) ---------------------------------------
function fillEdges(table, view) {
  const body = table.querySelector("tbody");
  body.innerHTML = "";
  view.edges.forEach((edge, i) => {
    const row = document.createElement("tr");
    row.dataset.edge = i;
    const from = view.nodes[edge.from].label, to = view.nodes[edge.to].label;
    row.innerHTML = "<td></td><td class=fwd></td><td class=bwd></td>";
    row.children[0].textContent = from + " → " + to;
    row.children[1].textContent = edge.forward ?? "";
    row.children[2].textContent = edge.backward ?? "";
    body.appendChild(row);
  });
}

function showNode(target, view, index) {
  const node = view.nodes[index];
  if (!node) return;
  const lines = [node.label + " (" + node.kind + ")", node.rule];
  if (node.forward.length) lines.push("", ...node.forward);
  if (node.backward.length) lines.push("", ...node.backward);
  target.textContent = lines.join("\n");
  target.classList.remove("muted");
}

function showPicture(target, view, detail, selected) {
  target.innerHTML = view.svg;
  const show = () => {
    showNode(detail, view, selected.node);
    if (selected.histogram) selected.histogram.innerHTML = (view.histograms || {})[String(selected.node)] || "";
  };
  for (const g of target.querySelectorAll("g.node")) {
    g.addEventListener("click", () => { selected.node = Number(g.dataset.node); show(); });
  }
  if (selected.node !== null) show();
}

// --- §5 graphs ------------------------------------------------------------------------------------------
const graphState = { graphs: [], name: "buy-apple", forward: 0, backward: 0, view: null, node: null };

function graphParams() {
  const params = { graph: graphState.name, forward: graphState.forward, backward: graphState.backward };
  for (const input of document.querySelectorAll("#graph-inputs input")) params[input.name] = input.value;
  return params;
}

async function loadGraph() {
  try {
    const view = await api("/api/graph", graphParams());
    graphState.view = view;
    graphState.forward = view.forward;
    graphState.backward = view.backward;
    showPicture($("graph-svg"), view, $("node-detail"), graphState);
    fillEdges($("edges"), view);
    $("status").textContent = view.status;
    $("status").classList.remove("error");
    $("steps").textContent = "forward " + view.forward + "/" + view.forwardSteps + " · backward " + view.backward + "/" + view.backwardSteps;
    $("check").disabled = !view.checkable;
  } catch (error) { showError($("status"), error); }
}

function chooseGraph(name) {
  graphState.name = name;
  graphState.forward = 0; graphState.backward = 0; graphState.node = null;
  $("check-result").innerHTML = "";
  $("node-detail").textContent = "—";
  document.querySelectorAll("#graph-choice button").forEach((b) => b.classList.toggle("chosen", b.dataset.graph === name));
  const inputs = $("graph-inputs");
  inputs.innerHTML = "";
  const graph = graphState.graphs.find((g) => g.name === name);
  for (const input of graph.inputs) {
    const label = document.createElement("label");
    label.textContent = input.name + " ";
    const field = document.createElement("input");
    field.type = "number"; field.step = "any"; field.name = input.name; field.value = input.value;
    field.addEventListener("change", () => { $("check-result").innerHTML = ""; loadGraph(); });
    label.appendChild(field);
    inputs.appendChild(label);
  }
  loadGraph();
}

$("forward").addEventListener("click", () => {
  const v = graphState.view;
  if (v && graphState.forward < v.forwardSteps) { graphState.forward += 1; loadGraph(); }
});
$("backward").addEventListener("click", () => {
  const v = graphState.view;
  if (!v) return;
  if (graphState.forward < v.forwardSteps) { $("status").textContent = "run forward to the end first"; return; }
  if (graphState.backward < v.backwardSteps) { graphState.backward += 1; loadGraph(); }
});
$("reset").addEventListener("click", () => { graphState.forward = 0; graphState.backward = 0; loadGraph(); });
$("play").addEventListener("click", async () => {
  const v = graphState.view;
  if (!v) return;
  while (graphState.forward < v.forwardSteps || graphState.backward < v.backwardSteps) {
    if (graphState.forward < v.forwardSteps) graphState.forward += 1; else graphState.backward += 1;
    await loadGraph();
    await new Promise((resolve) => setTimeout(resolve, 450));
  }
});
$("check").addEventListener("click", async () => {
  try {
    const result = await api("/api/check", graphParams());
    const rows = result.rows.map((r) => "<tr><td>" + r.input + "</td><td>" + r.backprop.toPrecision(8) + "</td><td>"
      + r.numerical.toPrecision(8) + "</td><td>" + r.difference.toExponential(1) + "</td></tr>").join("");
    $("check-result").innerHTML = "<h3>Gradient check (§5.7.3)</h3><table id=check-table><thead><tr><th>input</th>"
      + "<th>backprop</th><th>numerical</th><th>|difference|</th></tr></thead><tbody>" + rows + "</tbody></table>";
  } catch (error) { showError($("status"), error); }
});

// --- the network, layer by layer --------------------------------------------------------------------
const netState = { forward: 0, backward: 0, view: null, node: null, histogram: $("net-histogram") };

async function loadNetwork() {
  try {
    const view = await api("/api/network", { sample: $("sample").value, forward: netState.forward, backward: netState.backward });
    netState.view = view;
    netState.forward = view.forward; netState.backward = view.backward;
    showPicture($("net-svg"), view, $("net-detail"), netState);
    fillEdges($("net-edges"), view);
    $("net-status").textContent = view.status;
    $("net-status").classList.remove("error");
    $("net-steps").textContent = "forward " + view.forward + "/" + view.forwardSteps + " · backward " + view.backward + "/" + view.backwardSteps;
  } catch (error) { showError($("net-status"), error); }
}
$("net-forward").addEventListener("click", () => { netState.forward += 1; loadNetwork(); });
$("net-backward").addEventListener("click", () => {
  const v = netState.view;
  if (v && netState.forward < v.forwardSteps) { $("net-status").textContent = "run forward to the end first"; return; }
  netState.backward += 1; loadNetwork();
});
$("net-all").addEventListener("click", () => { netState.forward = 1e6; netState.backward = 1e6; loadNetwork(); });
$("net-reset").addEventListener("click", () => { netState.forward = 0; netState.backward = 0; loadNetwork(); });
$("sample").addEventListener("change", () => loadNetwork());
$("predict").addEventListener("click", async () => {
  try {
    const p = await api("/api/predict", { index: $("predict-index").value });
    const name = (k) => (p.classNames ? p.classNames[k] : "class " + k);
    const rows = p.probabilities.map((q, k) => "<tr" + (k === p.predicted ? " class=chosen-row" : "") + "><td>" + name(k)
      + (k === p.label ? " (true)" : "") + "</td><td>" + q.toFixed(4) + "</td><td><div class=bar style=\"width:"
      + Math.round(q * 150) + "px\"></div></td></tr>").join("");
    $("prediction").innerHTML = (p.imageSVG ? "<div class=picture>" + p.imageSVG + "</div>" : "")
      + "<table id=prediction-table><thead><tr><th>class</th><th>probability</th><th></th></tr></thead><tbody>" + rows
      + "</tbody></table>";
  } catch (error) { showError($("net-status"), error); }
});

// --- training -----------------------------------------------------------------------------------------
let socket = null;
// Snapshots come by two roads — the stream and each button's reply — and may arrive out of order: a
// reply computed before a step ran can land after the stream's newer state. The job's version only
// grows, so an older snapshot than the one shown is dropped (counting again from each new connection,
// whose lab may have been started again).
let shownVersion = -1;
function showTraining(s) {
  if (s.version < shownVersion) return;
  shownVersion = s.version;
  const speed = s.examplesPerSecond ? " · " + Math.round(s.examplesPerSecond) + " examples/s" : "";
  const loss = s.loss !== null && s.loss !== undefined ? " · loss " + Number(s.loss).toFixed(4) : "";
  $("train-status").textContent = s.state + " · iteration " + s.iteration + "/" + s.iterations + " · epoch "
    + s.epoch.toFixed(2) + loss + speed + (s.saved ? " · " + s.saved : "");
  $("train-status").dataset.iteration = s.iteration;
  $("train-status").dataset.points = s.lossPoints.length;
  $("train-status").dataset.state = s.state;
  $("train-status").classList.remove("error");
  $("curves").innerHTML = s.curvesSVG;
  $("update").innerHTML = s.lastUpdate.length ? "<h3>The last single step's update (§6.1)</h3><table id=update-table><thead><tr>"
    + "<th>parameter</th><th>shape</th><th>‖gradient‖</th><th>‖W‖ before</th><th>moved ‖ΔW‖</th></tr></thead><tbody>"
    + s.lastUpdate.map((u) => "<tr><td>" + u.name + "</td><td>(" + u.shape.join(", ") + ")</td><td>" + u.gradientNorm.toPrecision(4)
      + "</td><td>" + u.norm.toPrecision(4) + "</td><td>" + u.moved.toPrecision(4) + "</td></tr>").join("") + "</tbody></table>" : "";
  $("filters").innerHTML = s.filtersSVG || "";
  $("filters").style.display = s.filtersSVG ? "block" : "none";
  if (s.evaluation) showEvaluation(s.evaluation);
}
// The last epoch end's evaluation (sent once per epoch): the confusion matrix, shaded by share of its
// row, and the first misclassified test images (a picture for images, else a table).
function showEvaluation(e) {
  const name = (c) => e.classNames && e.classNames[c] ? c + " " + e.classNames[c] : String(c);
  const rows = e.confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return "<tr><th>" + name(t) + "</th>" + row.map((n, p) => "<td class=\"" + (p === t ? "diag" : "off") + "\" style=\"background: rgba("
      + (p === t ? "31,119,180," : "214,39,40,") + (n / total).toFixed(3) + ")\">" + n + "</td>").join("") + "</tr>";
  }).join("");
  $("confusion").innerHTML = "<h3>Confusion matrix at iteration " + e.iteration + " (rows: true class, columns: predicted)</h3>"
    + "<p class=muted>accuracy " + e.accuracy.toFixed(4) + " on " + e.count + " test examples</p>"
    + "<table id=confusion-table data-iteration=" + e.iteration + " data-count=" + e.count + "><thead><tr><th></th>"
    + e.confusion.map((_, p) => "<th>" + p + "</th>").join("") + "</tr></thead><tbody>" + rows + "</tbody></table>";
  $("misclassified").innerHTML = "<h3>Misclassified (the first " + e.misclassified.length + ")</h3>"
    + (e.misclassifiedSVG ? "<div class=picture>" + e.misclassifiedSVG + "</div>"
      : "<table id=misclassified-table><thead><tr><th>test example</th><th>label</th><th>guess</th></tr></thead><tbody>"
        + e.misclassified.map((m) => "<tr><td>" + m.index + "</td><td>" + name(m.label) + "</td><td>" + name(m.guess) + "</td></tr>")
          .join("") + "</tbody></table>");
}
function connectTraining() {
  if (socket) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + "/api/train/events?token=" + encodeURIComponent(token));
  socket.onopen = () => { shownVersion = -1; $("train-live").textContent = "live"; };
  socket.onmessage = (event) => showTraining(JSON.parse(event.data));
  socket.onclose = () => { $("train-live").textContent = "not connected"; socket = null; };
}
async function control(action) {
  try { showTraining(await api("/api/train/" + action, {}, "POST")); } catch (error) { showError($("train-status"), error); }
}
$("train-start").addEventListener("click", () => control("start"));
$("train-pause").addEventListener("click", () => control("pause"));
$("train-step").addEventListener("click", () => control("step"));
$("train-save").addEventListener("click", async () => {
  try { $("train-status").textContent = (await api("/api/train/save", {}, "POST")).saved; }
  catch (error) { showError($("train-status"), error); }
});

// --- the book's experiments ------------------------------------------------------------------------------
let bookLoaded = false;
async function loadBook() {
  if (bookLoaded) return;
  try {
    const entries = await api("/api/book");
    bookLoaded = true;
    $("book-list").innerHTML = "";
    for (const e of entries) {
      const card = document.createElement("div");
      card.className = "book-card"; card.dataset.name = e.name;
      const title = document.createElement("div");
      title.innerHTML = "<b></b> <span class=muted></span>";
      title.firstChild.textContent = e.name;
      title.lastChild.textContent = e.section + (e.figure ? ", " + e.figure : "");
      const summary = document.createElement("div");
      summary.className = "muted"; summary.textContent = e.summary;
      card.append(title, summary);
      if (e.runnable) {
        const run = document.createElement("button");
        run.textContent = "Run"; run.dataset.run = e.name;
        run.addEventListener("click", () => runBook(e.name));
        card.appendChild(run);
      } else {
        const cli = document.createElement("div");
        cli.className = "cli"; cli.textContent = "run from the CLI: " + e.command;
        card.appendChild(cli);
      }
      $("book-list").appendChild(card);
    }
  } catch (error) { showError($("book-status"), error); }
}
async function runBook(name) {
  $("book-status").classList.remove("error");
  $("book-status").textContent = "running " + name + " …";
  document.querySelectorAll(".book-card").forEach((c) => c.classList.toggle("chosen-card", c.dataset.name === name));
  try {
    const run = await api("/api/book/run", { name }, "POST");
    $("book-figure").innerHTML = run.svg || "";
    $("book-figure").style.display = run.svg ? "block" : "none";
    $("book-lines").textContent = run.lines.join("\n");
    $("book-lines").dataset.name = run.name;
    $("book-status").textContent = run.name + " (" + run.section + (run.figure ? ", " + run.figure : "") + ") at quick scale";
  } catch (error) { showError($("book-status"), error); }
}

// --- start ----------------------------------------------------------------------------------------------
(async () => {
  try {
    const index = await api("/api/graphs");
    graphState.graphs = index.graphs;
    for (const graph of index.graphs) {
      const button = document.createElement("button");
      button.textContent = graph.name; button.dataset.graph = graph.name;
      button.addEventListener("click", () => chooseGraph(graph.name));
      $("graph-choice").appendChild(button);
    }
    if (!index.training) { $("tab-network").disabled = true; $("tab-training").disabled = true; }
    chooseGraph("buy-apple");
  } catch (error) { showError($("status"), error); }
})();
