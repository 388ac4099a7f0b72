// The job page's Overview: the fragment from /web/jobs/{id}/overview?group_by=… (Web.load, with the bearer token),
// reloaded when the group-by changes and as rows finish (app.js's poll says so with a "rowsfinished" event on #job);
// its CSV download asks GET /api/v1/jobs/{id}/overview?format=csv for the group-by on screen, with the token as a
// header like the results CSV. Every load and download ends in the overview or in a message.
"use strict";
(() => {
  const box = document.getElementById("overview");
  const jobId = box.dataset.job;
  const RELOAD_MS = 3000; // while the job runs, at most one overview read per this long: it walks all the rows
  let groupBy = "", lastShown = 0, pending = null;

  function show() {
    lastShown = Date.now();
    return Web.load(box, "?" + new URLSearchParams({ group_by: groupBy }));
  }

  box.addEventListener("change", async (ev) => {
    if (ev.target.id !== "group-by") return;
    groupBy = ev.target.value;
    await show();
    document.getElementById("group-by")?.focus(); // the fragment replaced the select: keep the keyboard on it
  });

  function say(text) {
    const said = document.getElementById("overview-said");
    if (said) said.textContent = text;
  }

  async function download() {
    const params = new URLSearchParams({ format: "csv" });
    if (groupBy) params.set("group_by", groupBy);
    try {
      const response = await Web.api(`/api/v1/jobs/${jobId}/overview?${params}`);
      if (!response.ok) { say(await Web.problemText(response)); return; }
      // The file name is the server's (routes_findings.py), so that the page and a curl download agree.
      const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url; a.download = named ? named[1] : `overview-${jobId}.csv`;
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      say("");
    } catch (err) {
      say("The download did not go through: " + Web.messageOf(err));
    }
  }
  box.addEventListener("click", (ev) => {
    if (ev.target.closest("#overview-csv")) download();
  });

  // Rows finished: reload now when the job is done, else at most once per RELOAD_MS (the last change still shows).
  document.getElementById("job").addEventListener("rowsfinished", (ev) => {
    clearTimeout(pending);
    const wait = ev.detail.finished ? 0 : Math.max(0, lastShown + RELOAD_MS - Date.now());
    pending = setTimeout(show, wait);
  });
  Web.onToken(show);
  show();
})();
