// The web page's behaviour: fetch fragments and JSON with the bearer token from sessionStorage (never a URL).
// Every request ends in what it asked for or in a message saying what went wrong: nothing waits for ever.
"use strict";
const Web = (() => {
  const KEY = "reviewEnrichmentToken";
  const needsToken = document.body.dataset.needsToken === "true";
  const tokenForm = document.getElementById("token-form");
  const tokenProblem = document.getElementById("token-problem");
  const tokenListeners = [];
  let refused = false; // the token last tried was refused: say so until another one is entered

  // What a request could not do, in words a person can act on.
  class Problem extends Error {}

  function askToken() {
    if (tokenForm.hidden) {
      tokenForm.hidden = false;
      document.getElementById("token-input").focus();
    }
    tokenProblem.hidden = !refused;
    tokenProblem.textContent = refused ? "The service refused that token. Check it and enter it again:" : "";
  }
  tokenForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = document.getElementById("token-input");
    sessionStorage.setItem(KEY, input.value);
    input.value = "";
    refused = false;
    tokenForm.hidden = true;
    tokenProblem.hidden = true;
    tokenListeners.forEach((listener) => listener()); // reload what waited for it, now
  });
  const onToken = (listener) => tokenListeners.push(listener);

  function tokenMessage() {
    return refused ? "The service refused the API token: enter the right one above."
      : "This service needs its API token: enter it above.";
  }

  // A response (2xx, or an error answer the caller explains with problemText), or a Problem.
  async function api(path, options = {}) {
    const token = sessionStorage.getItem(KEY);
    if (needsToken && !token) {
      askToken();
      throw new Problem(tokenMessage());
    }
    const headers = Object.assign({}, options.headers || {});
    if (token) headers["Authorization"] = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, Object.assign({}, options, { headers }));
    } catch (err) {
      throw new Problem("Could not reach the service: is it running? (" + err.message + ")");
    }
    if (response.status === 401) {
      // Another token may have been entered while this request was out: only the one sent was refused.
      if (sessionStorage.getItem(KEY) === token) {
        sessionStorage.removeItem(KEY);
        refused = true;
      }
      askToken();
      throw new Problem(tokenMessage());
    }
    return response;
  }

  function messageOf(err) {
    return err instanceof Problem ? err.message : "Something went wrong on this page: " + err.message;
  }

  function errorHtml(text) {
    return "<p class='error'>" + escapeHtml(text) + "</p>";
  }

  // Only the latest load of an element fills it: an earlier, slower answer (a refresh still out when the sort
  // changed) must not replace a newer one.
  const asked = new WeakMap();
  async function load(el, query = "") {
    const mine = (asked.get(el) || 0) + 1;
    asked.set(el, mine);
    let html;
    try {
      const response = await api(el.dataset.src + query);
      html = response.ok ? await response.text() : errorHtml(await problemText(response));
    } catch (err) {
      html = errorHtml(messageOf(err));
    }
    if (asked.get(el) === mine) el.innerHTML = html;
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

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  const FINISHED = JSON.parse(document.getElementById("job")?.dataset.finished ?? "[]");
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
    const jobError = document.getElementById("job-error");
    const bar = document.getElementById("job-bar");
    const said = document.getElementById("action-result");
    const confirm = document.getElementById("cancel-confirm");
    let page = 1, lastDone = -1, finished = false;
    let job = null, progress = null; // what the last poll read
    let polls = 0; // polls started so far: a message outlives only the polls that began before it went up
    let message = null; // {keep: statuses it stays up in, after: polls started before it, at: when it went up}
    const READ_TIME_MS = 3000; // a job can pass through a state faster than anyone reads about it
    const notice = sessionStorage.getItem("notice-" + jobId);
    if (notice) {
      const { title, lines } = JSON.parse(notice);
      showProblems(document.getElementById("upload-notice"), title, lines);
      sessionStorage.removeItem("notice-" + jobId);
    }

    // A message about a button press stays while the job is in a state it speaks of, and goes when that has passed
    // (after it was up long enough to be read).
    function say(text, keep) {
      said.textContent = text;
      message = { keep, after: polls, at: Date.now() };
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
      const now = job ? [job.status] : [];
      try {
        const response = await api(`/api/v1/jobs/${jobId}/results?format=csv`);
        if (!response.ok) { say(await problemText(response), now); return; }
        const url = URL.createObjectURL(await response.blob());
        const a = document.createElement("a");
        a.href = url; a.download = `results-${jobId}.csv`;
        document.body.appendChild(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (err) {
        say("The download did not go through: " + messageOf(err), now);
      }
    });

    // What each accepted action says, and the job statuses in which that stays true.
    const ACCEPTED = {
      pause: () => ["Paused: no new product starts; those in flight finish.", ["paused"]],
      resume: () => ["Resumed.", ["running"]],
      // A cancel answers `cancelling` while the job may still read running or paused for a moment.
      cancel: () => ["Cancelling: the rows that have not run will be marked cancelled.", ["cancelling", ...ALLOWED.cancel]],
      retry: (body) => [`${plural(body.rows, "row")} sent to run again.`, ["running"]],
    };

    async function act(action) {
      const now = job ? [job.status] : [];
      try {
        const response = await api(`/api/v1/jobs/${jobId}/${action}`, { method: "POST" });
        if (response.ok) say(...ACCEPTED[action](await response.json()));
        else say(await problemText(response), now);
      } catch (err) {
        say(messageOf(err), now);
      }
      poll();
    }
    for (const action of ["pause", "resume", "retry"]) {
      document.getElementById("btn-" + action).addEventListener("click", () => act(action));
    }

    // Cancel asks first, saying what would not run; the question follows the counts while it is open.
    function askCancel() {
      const notRun = (progress.pending || 0) + (progress.running || 0);
      document.getElementById("cancel-question").textContent =
        `Cancel this job? ${notRun} of the ${progress.total} rows have not run and will be marked cancelled. ` +
        "You can run them again afterwards with “Run the unfinished rows again”.";
    }
    document.getElementById("btn-cancel").addEventListener("click", () => {
      if (!progress) return;
      askCancel();
      confirm.hidden = false;
      document.getElementById("cancel-no").focus();
    });
    document.getElementById("cancel-no").addEventListener("click", () => { confirm.hidden = true; });
    document.getElementById("cancel-yes").addEventListener("click", () => { confirm.hidden = true; act("cancel"); });

    function showBar(status, p) {
      // A cancelled job's bar shows the share that ran, not 100 %: it must not look like a completed one.
      // The same rule as share_ran in internal/http/web.py (the jobs list).
      const cancelled = status === "cancelled";
      const ran = p.total - (p.cancelled || 0) - (p.pending || 0) - (p.running || 0);
      bar.classList.toggle("cancelled", cancelled);
      bar.value = cancelled ? (p.total ? 100 * ran / p.total : 100) : p.percent;
      document.getElementById("job-percent").textContent = cancelled
        ? `cancelled: ${ran} of ${p.total} rows ran (${Math.floor(bar.value)} %), ${p.cancelled || 0} did not`
        : `${Math.floor(p.percent)} %`;
    }

    function showJob(p) {
      document.getElementById("job-status").textContent = job.status;
      document.getElementById("job-file").textContent = job.filename ? `(${job.filename})` : "";
      document.getElementById("job-demo-banner").hidden = (job.options || {}).source !== section.dataset.demoSource;
      showBar(job.status, p);
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
      jobError.hidden = !job.error;
      jobError.textContent = job.error || "";
      for (const [action, states] of Object.entries(ALLOWED)) {
        document.getElementById("btn-" + action).disabled = !states.includes(job.status);
      }
      // Running rows again needs rows that did not finish, as well as a finished job.
      const retry = document.getElementById("btn-retry");
      const again = [[p.failed || 0, "failed"], [p.cancelled || 0, "cancelled"]].filter(([n]) => n > 0);
      retry.disabled = retry.disabled || !again.length;
      retry.textContent = "Run the unfinished rows again" +
        (again.length && !retry.disabled ? ` (${again.map(([n, what]) => `${n} ${what}`).join(", ")})` : "");
      if (!ALLOWED.cancel.includes(job.status)) confirm.hidden = true;
      else if (!confirm.hidden) askCancel();
      const ui = section.dataset.temporalUi;
      if (ui && job.workflow_id) {
        const link = document.getElementById("temporal-link");
        link.href = `${ui}/namespaces/${encodeURIComponent(section.dataset.namespace)}/workflows/${encodeURIComponent(job.workflow_id)}`;
        link.hidden = false;
      }
      section.dataset.status = job.status;
    }

    async function poll() {
      const started = ++polls;
      try {
        const response = await api(`/api/v1/jobs/${jobId}`);
        if (!response.ok) {
          jobError.hidden = false;
          jobError.textContent = await problemText(response);
          return;
        }
        job = await response.json();
      } catch (err) {
        jobError.hidden = false;
        jobError.textContent = messageOf(err);
        return;
      }
      progress = job.progress || { percent: 0, total: job.total_rows };
      showJob(progress);
      if (message && started > message.after && !message.keep.includes(job.status) && Date.now() - message.at > READ_TIME_MS) {
        said.textContent = "";
        message = null;
      }
      // Results and the histogram change only when rows finish: reload them then, and once more at the end.
      const done = FINISHED.includes(job.status);
      if (progress.done !== lastDone || (done && !finished)) {
        lastDone = progress.done; finished = done;
        refreshResults();
        section.dispatchEvent(new CustomEvent("rowsfinished", { detail: { finished: done } })); // overview.js
      }
    }
    poll();
    setInterval(poll, 1000);
    onToken(() => { poll(); refreshResults(); });
  }

  // index.js, schedules.js and the other pages' scripts build on the same requests and messages.
  return { jobPage, api, load, onToken, problemText, showProblems, messageOf, describe };
})();
