// The OrleansCheckpoint dashboard: polls the silo's REST API and shows the jobs, one job's operator graph, a live chart of
// its checkpoints (Chart.js) with the latest one's per-instance breakdown, and its exception history.
// window.dashboard exposes what it shows (the chart and the data it plots), for the browser test.
"use strict";

const RefreshMs = 2000;
const state = { job: new URLSearchParams(location.search).get("job"), chart: null, checkpoints: [], lastCheckpointId: null, apiKey: sessionStorage.getItem("apiKey") };
window.dashboard = state;

async function api(path) {
  const headers = state.apiKey ? { "X-Api-Key": state.apiKey } : {};
  const response = await fetch(path, { headers });
  if (response.status === 401) {
    document.getElementById("key-form").hidden = false;
    throw new Error("this silo requires an API key for reading: enter it above");
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || `${path} answered ${response.status}`);
  }
  return body;
}

const text = (value) => value === null || value === undefined ? "–" : String(value);
const number = (value, digits = 0) => value === null || value === undefined ? "–" : Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
const bytes = (value) => {
  if (value === null || value === undefined) return "–";
  const units = ["B", "KB", "MB", "GB"];
  let v = value, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: u === 0 ? 0 : 1 })} ${units[u]}`;
};
const watermark = (value) => value === null || value === undefined ? "–" : value >= 9.2e18 ? "end of input" : new Date(value).toISOString().replace("T", " ").replace("Z", "");
const time = (value) => value ? new Date(value).toLocaleTimeString() : "–";

function cell(row, content, className) {
  const td = row.insertCell();
  td.textContent = content;
  if (className) td.className = className;
  return td;
}

function fill(tableId, items, render) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const item of items) render(body.insertRow(), item);
}

async function refreshJobs() {
  const { jobs } = await api("/jobs");
  if (!state.job) {
    state.job = (jobs.find((j) => j.status === "running") || jobs.find((j) => j.lastCompletedCheckpoint !== null) || jobs[0] || {}).name || null;
  }
  fill("jobs", jobs, (row, job) => {
    row.className = "selectable" + (job.name === state.job ? " selected" : "");
    row.dataset.job = job.name;
    row.onclick = () => select(job.name);
    cell(row, job.name);
    cell(row, job.status, `status ${job.status}`);
    cell(row, number(job.generation), "num");
    cell(row, number(job.parallelism), "num");
    cell(row, number(job.restarts), "num");
    cell(row, text(job.lastCompletedCheckpoint), "num");
  });
}

function select(job) {
  state.job = job;
  state.checkpoints = [];
  state.lastCheckpointId = null;
  if (state.chart) { state.chart.destroy(); state.chart = null; }
  history.replaceState(null, "", `?job=${encodeURIComponent(job)}`);
  refresh();
}

// Operators in layers by their distance from the sources, each a card with its rates, watermark and backpressure.
function renderGraph(operators) {
  const depth = new Map();
  const byUid = new Map(operators.map((o) => [o.uid, o]));
  const depthOf = (o) => {
    if (!depth.has(o.uid)) depth.set(o.uid, o.inputs.length === 0 ? 0 : 1 + Math.max(...o.inputs.map((i) => byUid.has(i.uid) ? depthOf(byUid.get(i.uid)) : 0)));
    return depth.get(o.uid);
  };
  const layers = [];
  for (const o of operators) (layers[depthOf(o)] ||= []).push(o);
  const graph = document.getElementById("graph");
  graph.replaceChildren(...layers.filter(Boolean).map((layer) => {
    const column = document.createElement("div");
    column.className = "layer";
    for (const o of layer) {
      const card = document.createElement("div");
      card.className = "operator";
      card.dataset.operator = o.uid;
      const name = document.createElement("div");
      name.className = "name";
      name.textContent = `${o.chain.join(" → ")} ×${o.parallelism}`;
      const inputs = document.createElement("div");
      inputs.className = "inputs";
      inputs.textContent = o.inputs.length === 0 ? "source" : "from " + o.inputs.map((i) => `${i.uid} (${i.partitioning.toLowerCase()})`).join(", ");
      const facts = document.createElement("dl");
      for (const [label, value] of [
        ["in/s", number(o.recordsInPerSecond)], ["out/s", number(o.recordsOutPerSecond)], ["records in", number(o.recordsIn)], ["records out", number(o.recordsOut)],
        ["watermark", watermark(o.currentInputWatermark)], ["backpressure", `${number(o.backPressuredTimeMsPerSecond)} ms/s`], ["state", bytes(o.stateSizeBytes)],
      ]) {
        const dt = document.createElement("dt"); dt.textContent = label;
        const dd = document.createElement("dd"); dd.textContent = value;
        facts.append(dt, dd);
      }
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.title = "backpressured time per second";
      const fillBar = document.createElement("span");
      fillBar.style.width = `${Math.min(100, o.backPressuredTimeMsPerSecond / 10)}%`;
      bar.append(fillBar);
      card.append(name, inputs, facts, bar);
      column.append(card);
    }
    return column;
  }));
}

function ensureChart() {
  if (state.chart || typeof Chart === "undefined") {
    document.getElementById("chart-missing").hidden = typeof Chart !== "undefined";
    return state.chart;
  }
  state.chart = new Chart(document.getElementById("checkpoint-chart"), {
    type: "line",
    data: { labels: [], datasets: [
      { label: "duration (ms)", data: [], yAxisID: "ms", borderColor: "#2f6fde", backgroundColor: "#2f6fde", tension: 0.2 },
      { label: "alignment (ms)", data: [], yAxisID: "ms", borderColor: "#d68910", backgroundColor: "#d68910", tension: 0.2 },
      { label: "size (bytes)", data: [], yAxisID: "bytes", borderColor: "#1e8e4f", backgroundColor: "#1e8e4f", borderDash: [5, 4], tension: 0.2 },
    ] },
    options: {
      animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
      scales: {
        x: { title: { display: true, text: "checkpoint" } },
        ms: { position: "left", beginAtZero: true, title: { display: true, text: "ms" } },
        bytes: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "bytes" } },
      },
    },
  });
  return state.chart;
}

// The completed checkpoints of the history, oldest first: what the chart plots.
function renderCheckpoints(statistics) {
  const c = statistics.counts;
  const summary = statistics.summary.endToEndDuration;
  document.getElementById("checkpoint-counts").textContent =
    `triggered ${c.triggered} · in progress ${c.inProgress} · completed ${c.completed} · failed ${c.failed} · restored ${c.restored}` +
    (summary ? ` · duration p50 ${number(summary.p50, 1)} ms, p99 ${number(summary.p99, 1)} ms` : "");
  state.checkpoints = statistics.history.filter((h) => h.status === "completed").reverse();
  const chart = ensureChart();
  if (chart) {
    chart.data.labels = state.checkpoints.map((h) => h.id);
    chart.data.datasets[0].data = state.checkpoints.map((h) => h.durationMs);
    chart.data.datasets[1].data = state.checkpoints.map((h) => h.alignmentMs);
    chart.data.datasets[2].data = state.checkpoints.map((h) => h.sizeBytes);
    chart.update();
    document.getElementById("checkpoint-chart").dataset.checkpoints = state.checkpoints.length;
  }
}

async function renderLatest(latest) {
  if (!latest) {
    document.getElementById("latest-title").textContent = "Latest checkpoint: none yet";
    fill("latest", [], () => {});
    return;
  }
  const detail = await api(`/jobs/${encodeURIComponent(state.job)}/checkpoints/${latest.id}`);
  state.lastCheckpointId = detail.id;
  document.getElementById("latest-title").textContent =
    `Latest checkpoint: ${detail.id} (${number(detail.durationMs, 1)} ms, ${bytes(detail.sizeBytes)}, ${time(detail.triggeredAt)})`;
  fill("latest", detail.instances, (row, i) => {
    cell(row, i.operator);
    cell(row, number(i.partition), "num");
    cell(row, number(i.syncMs, 2), "num");
    cell(row, number(i.asyncMs, 1), "num");
    cell(row, number(i.alignmentMs, 1), "num");
    cell(row, number(i.startDelayMs, 1), "num");
    cell(row, bytes(i.sizeBytes), "num");
  });
}

function renderExceptions(exceptions) {
  if (exceptions.entries.length === 0) {
    fill("exceptions", [null], (row) => { cell(row, "no failures").colSpan = 6; row.className = "muted"; });
    return;
  }
  fill("exceptions", exceptions.entries, (row, e) => {
    cell(row, new Date(e.time).toLocaleString());
    cell(row, number(e.generation), "num");
    cell(row, e.cause);
    cell(row, e.instances.join(", ") || "–");
    cell(row, e.silos.join(", ") || "–");
    cell(row, !e.restarted ? "job failed" : e.runningAgainAt
      ? `running again after ${number((new Date(e.runningAgainAt) - new Date(e.time)) / 1000, 1)} s from checkpoint ${text(e.restoredCheckpoint)}`
      : "restarting");
  });
}

async function refreshJob() {
  if (!state.job) return;
  const path = `/jobs/${encodeURIComponent(state.job)}`;
  const [job, operators, checkpoints, exceptions] = await Promise.all([api(path), api(`${path}/operators`), api(`${path}/checkpoints`), api(`${path}/exceptions`)]);
  document.getElementById("job-section").hidden = false;
  document.getElementById("job-title").textContent = `${job.name} — ${job.status}`;
  document.getElementById("job-facts").textContent =
    `generation ${job.generation} · parallelism ${job.parallelism} · restarts ${job.restarts}` +
    (job.restoredCheckpoint !== null ? ` · restored checkpoint ${job.restoredCheckpoint}` : "") +
    (job.coordinatorSilo ? ` · job manager on ${job.coordinatorSilo}` : "") +
    (job.failureReason ? ` · failed: ${job.failureReason}` : "");
  renderGraph(operators.operators);
  renderCheckpoints(checkpoints);
  await renderLatest(checkpoints.latest.completed);
  renderExceptions(exceptions);
}

async function refresh() {
  const problem = document.getElementById("problem");
  try {
    await refreshJobs();
    await refreshJob();
    problem.hidden = true;
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    state.updates = (state.updates || 0) + 1;
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.apiKey = document.getElementById("key").value;
  sessionStorage.setItem("apiKey", state.apiKey);
  document.getElementById("key-form").hidden = true;
  refresh();
});

refresh();
setInterval(refresh, RefreshMs);
