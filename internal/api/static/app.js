// The web page's behaviour: fetch fragments and JSON with the bearer token from sessionStorage (never a URL).
"use strict";
const Web = (() => {
  const KEY = "reviewEnrichmentToken";
  const needsToken = document.body.dataset.needsToken === "true";
  let tokenWaiters = [];

  function askToken() {
    const form = document.getElementById("token-form");
    form.hidden = false;
    document.getElementById("token-input").focus();
    return new Promise((resolve) => tokenWaiters.push(resolve));
  }
  document.getElementById("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = document.getElementById("token-input");
    sessionStorage.setItem(KEY, input.value);
    input.value = "";
    ev.target.hidden = true;
    const waiters = tokenWaiters; tokenWaiters = [];
    waiters.forEach((w) => w());
  });

  async function api(path, options = {}) {
    for (;;) {
      if (needsToken && !sessionStorage.getItem(KEY)) await askToken();
      const headers = Object.assign({}, options.headers || {});
      const token = sessionStorage.getItem(KEY);
      if (token) headers["Authorization"] = "Bearer " + token;
      const response = await fetch(path, Object.assign({}, options, { headers }));
      if (response.status !== 401) return response;
      sessionStorage.removeItem(KEY);
      if (!needsToken) return response;
    }
  }

  async function load(el, query = "") {
    const response = await api(el.dataset.src + query);
    el.innerHTML = response.ok ? await response.text() : "<p class='error'>" + escapeHtml(await problemText(response)) + "</p>";
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // An error body {"error": {code, message, details}} in words: the message, then each problem on its own line.
  async function problemText(response) {
    let body;
    try { body = await response.json(); } catch (e) { return "The server answered " + response.status + "."; }
    const err = body.error || {};
    const lines = [err.message || "The server answered " + response.status + "."];
    if (Array.isArray(err.details)) {
      for (const d of err.details.slice(0, 20)) lines.push(describe(d));
    }
    return lines.join("\n");
  }

  function describe(d) {
    if (d.row !== undefined) {
      const col = d.column_name ? `, column ${d.column} (${d.column_name})` : d.column ? `, column ${d.column}` : "";
      return `Row ${d.row}${col}: ${d.reason}`;
    }
    if (d.field !== undefined) return `${d.field}: ${d.message}`;
    return typeof d === "string" ? d : JSON.stringify(d);
  }

  function showProblems(el, title, lines) {
    el.innerHTML = "";
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = title;
    el.appendChild(p);
    if (lines.length) {
      const ul = document.createElement("ul");
      ul.className = "problems";
      for (const line of lines) { const li = document.createElement("li"); li.textContent = line; ul.appendChild(li); }
      el.appendChild(ul);
    }
  }

  function indexPage() {
    const jobs = document.getElementById("jobs");
    const form = document.getElementById("upload-form");
    const fileInput = document.getElementById("file-input");
    const drop = document.getElementById("drop-zone");
    const out = document.getElementById("upload-result");
    let dropped = null;
    const refresh = () => load(jobs).catch(() => {});
    refresh();
    setInterval(refresh, 2000);

    fileInput.addEventListener("change", () => { dropped = null; document.getElementById("file-name").textContent = ""; });
    drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (ev) => {
      ev.preventDefault();
      drop.classList.remove("over");
      if (ev.dataTransfer.files.length) {
        dropped = ev.dataTransfer.files[0];
        fileInput.required = false;
        document.getElementById("file-name").textContent = "Chosen: " + dropped.name;
      }
    });

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = dropped || fileInput.files[0];
      if (!file) { showProblems(out, "Choose a CSV file first.", []); return; }
      const options = {};
      const win = document.getElementById("opt-window").value;
      if (win) options.window = Number(win);
      const chain = [...form.querySelectorAll("input[name=scorer]:checked")].map((c) => c.value);
      if (chain.length) options.scorer_chain = chain;
      const data = new FormData();
      data.append("file", file, file.name);
      if (Object.keys(options).length) data.append("options", JSON.stringify(options));
      out.textContent = "Uploading…";
      const response = await api("/api/v1/jobs", { method: "POST", body: data });
      if (!response.ok) {
        const [title, ...lines] = (await problemText(response)).split("\n");
        showProblems(out, "The upload was refused: " + title, lines);
        return;
      }
      const job = await response.json();
      if (job.invalid_rows > 0) {
        // Shown by the job page once: the upload's own problems belong next to the job they came with.
        sessionStorage.setItem("notice-" + job.job_id, JSON.stringify({
          title: `${job.invalid_rows} of the ${job.total_rows} rows are invalid and were skipped:`,
          lines: job.invalid_samples.map(describe),
        }));
      }
      window.location.href = "/jobs/" + job.job_id;
    });
  }

  const FINISHED = ["completed", "failed", "cancelled"];
  const COUNTS = ["pending", "running", "succeeded", "low_confidence", "no_reviews", "failed", "cancelled", "invalid", "duplicate"];

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function jobPage() {
    const section = document.getElementById("job");
    const jobId = section.dataset.job;
    const ALLOWED = JSON.parse(section.dataset.actions);
    const results = document.getElementById("results");
    const histogram = document.getElementById("histogram");
    let page = 1, lastDone = -1, finished = false;
    const notice = sessionStorage.getItem("notice-" + jobId);
    if (notice) {
      const { title, lines } = JSON.parse(notice);
      showProblems(document.getElementById("upload-notice"), title, lines);
      sessionStorage.removeItem("notice-" + jobId);
    }

    const query = () => "?" + new URLSearchParams({ status: document.getElementById("filter-status").value,
      sort: document.getElementById("sort").value, page: String(page) });
    const refreshResults = () => Promise.all([load(results, query()), load(histogram)]);
    document.getElementById("filter-status").addEventListener("change", () => { page = 1; load(results, query()); });
    document.getElementById("sort").addEventListener("change", () => { page = 1; load(results, query()); });
    results.addEventListener("click", (ev) => {
      const target = ev.target.closest("button[data-page]");
      if (target) { page = Number(target.dataset.page); load(results, query()); }
    });

    document.getElementById("csv-download").addEventListener("click", async () => {
      const response = await api(`/api/v1/jobs/${jobId}/results?format=csv`);
      if (!response.ok) { document.getElementById("action-result").textContent = await problemText(response); return; }
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url; a.download = `results-${jobId}.csv`;
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });

    for (const action of Object.keys(ALLOWED)) {
      document.getElementById("btn-" + action).addEventListener("click", async () => {
        const response = await api(`/api/v1/jobs/${jobId}/${action}`, { method: "POST" });
        document.getElementById("action-result").textContent = response.ok
          ? `${action}: job is now ${(await response.json()).status}` : await problemText(response);
        poll();
      });
    }

    async function poll() {
      const response = await api(`/api/v1/jobs/${jobId}`);
      if (!response.ok) {
        const err = document.getElementById("job-error");
        err.hidden = false; err.textContent = await problemText(response);
        return;
      }
      const job = await response.json();
      const p = job.progress || { percent: 0, total: job.total_rows };
      document.getElementById("job-status").textContent = job.status;
      document.getElementById("job-file").textContent = job.filename ? `(${job.filename})` : "";
      document.getElementById("job-bar").value = p.percent;
      document.getElementById("job-percent").textContent = `${Math.floor(p.percent)} %`;
      document.getElementById("job-rate").textContent = p.rows_per_second
        ? `${p.rows_per_second.toFixed(1)} rows/s · ETA ${FINISHED.includes(job.status) ? "done" : duration(p.eta_seconds)}` : "";
      const c = p.costs || {};
      document.getElementById("job-costs").textContent =
        `Cost so far: ${c.source_requests || 0} source requests · ${c.scorer_calls || 0} scorer calls` +
        (c.reused_rows ? ` · ${c.reused_rows} rows reused stored reviews` : "");
      const tbody = document.getElementById("job-counts");
      tbody.innerHTML = "";
      for (const name of COUNTS) {
        const tr = document.createElement("tr");
        tr.dataset.count = name;
        tr.innerHTML = `<th>${name.replace("_", " ")}</th><td>${p[name] || 0}</td>`;
        tbody.appendChild(tr);
      }
      document.getElementById("job-total").textContent = p.total;
      if (job.error) { const e = document.getElementById("job-error"); e.hidden = false; e.textContent = job.error; }
      for (const [action, states] of Object.entries(ALLOWED)) {
        // Retrying needs failed rows as well as a finished job.
        const possible = states.includes(job.status) && (action !== "retry-failed" || (p.failed || 0) > 0);
        document.getElementById("btn-" + action).disabled = !possible;
      }
      const ui = section.dataset.temporalUi;
      if (ui && job.workflow_id) {
        const link = document.getElementById("temporal-link");
        link.href = `${ui}/namespaces/${encodeURIComponent(section.dataset.namespace)}/workflows/${encodeURIComponent(job.workflow_id)}`;
        link.hidden = false;
      }
      // Results and the histogram change only when rows finish: reload them then, and once more at the end.
      const done = FINISHED.includes(job.status);
      if (p.done !== lastDone || (done && !finished)) {
        lastDone = p.done; finished = done;
        refreshResults();
      }
      section.dataset.status = job.status;
    }
    poll();
    setInterval(poll, 1000);
  }

  return { indexPage, jobPage, api };
})();
