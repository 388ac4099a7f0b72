// The schedules page: create a schedule from a CSV, list them, pause / resume / run now / delete. Every request goes
// through Web.api (the token, and a message for every failure), to the same /api/v1/schedules routes as the CLI.
"use strict";
const Schedules = (() => {
  const ACTIONS = {
    pause: { method: "POST", path: "/pause", done: "paused" },
    resume: { method: "POST", path: "/resume", done: "resumed" },
    trigger: { method: "POST", path: "/trigger", done: "started a run" },
    delete: { method: "DELETE", path: "", done: "deleted" },
  };

  function page() {
    const list = document.getElementById("schedules");
    const form = document.getElementById("schedule-form");
    const out = document.getElementById("schedule-result");
    const said = document.getElementById("schedule-said");
    const button = document.getElementById("schedule-create");
    const refresh = () => Web.load(list);
    refresh();
    setInterval(refresh, 3000);
    Web.onToken(refresh);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const data = new FormData();
      const file = document.getElementById("schedule-file").files[0];
      if (!file) { Web.showProblems(out, "Choose a CSV file first.", []); return; }
      data.append("file", file, file.name);
      for (const field of ["name", "every", "cron"]) {
        const value = document.getElementById("schedule-" + field).value.trim();
        if (value) data.append(field, value);
      }
      out.textContent = "Creating…";
      button.disabled = true;
      try {
        const response = await Web.api("/api/v1/schedules", { method: "POST", body: data });
        if (!response.ok) {
          const [title, ...lines] = (await Web.problemText(response)).split("\n");
          Web.showProblems(out, "The schedule was refused: " + title, lines);
          return;
        }
        const created = await response.json();
        out.textContent = `Created ${created.name || created.schedule_id}: ${created.total_rows} rows` +
          (created.invalid_rows ? ` (${created.invalid_rows} invalid rows skipped)` : "") + ".";
        form.reset();
        refresh();
      } catch (err) {
        Web.showProblems(out, "The schedule was not created: " + Web.messageOf(err), []);
      } finally {
        button.disabled = false;
      }
    });

    list.addEventListener("click", async (ev) => {
      const action = ACTIONS[ev.target.dataset?.action];
      const row = ev.target.closest("tr[data-schedule]");
      if (!action || !row) return;
      const id = row.dataset.schedule;
      if (ev.target.dataset.action === "delete" && !window.confirm(`Delete schedule ${id}? Its jobs stay.`)) return;
      ev.target.disabled = true;
      try {
        const response = await Web.api(`/api/v1/schedules/${id}${action.path}`, { method: action.method });
        if (response.ok) said.textContent = `Schedule ${id}: ${action.done}.`;
        else Web.showProblems(said, `Schedule ${id}: ` + (await Web.problemText(response)), []);
      } catch (err) {
        Web.showProblems(said, `Schedule ${id}: ` + Web.messageOf(err), []);
      }
      refresh();
    });
  }

  return { page };
})();
