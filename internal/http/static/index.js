// The upload page: the form (a CSV picked or dropped, the source, the job options) and the jobs list, polled.
// Requests and messages go through app.js's Web (the token, and words for every failure).
"use strict";
const IndexPage = (() => {
  function start() {
    const jobs = document.getElementById("jobs");
    const form = document.getElementById("upload-form");
    const fileInput = document.getElementById("file-input");
    const drop = document.getElementById("drop-zone");
    const out = document.getElementById("upload-result");
    const button = document.getElementById("upload-button");
    const source = document.getElementById("opt-source");
    const demoBanner = document.getElementById("demo-banner");
    let dropped = null;
    const refresh = () => Web.load(jobs);
    refresh();
    setInterval(refresh, 2000);
    Web.onToken(refresh);

    const showDemo = () => { demoBanner.hidden = source.value !== source.dataset.demo; };
    source.addEventListener("change", showDemo);
    showDemo();

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

    async function upload(file) {
      const options = {};
      const win = document.getElementById("opt-window").value;
      if (win) options.window = Number(win);
      const chain = [...form.querySelectorAll("input[name=scorer]:checked")].map((c) => c.value);
      if (chain.length) options.scorer_chain = chain;
      if (source.value !== source.dataset.default) options.source = source.value;
      const data = new FormData();
      data.append("file", file, file.name);
      if (Object.keys(options).length) data.append("options", JSON.stringify(options));
      const response = await Web.api("/api/v1/jobs", { method: "POST", body: data });
      if (!response.ok) {
        const [title, ...lines] = (await Web.problemText(response)).split("\n");
        Web.showProblems(out, "The upload was refused: " + title, lines);
        return;
      }
      const job = await response.json();
      if (job.invalid_rows > 0) {
        // Shown by the job page once: the upload's own problems belong next to the job they came with.
        sessionStorage.setItem("notice-" + job.job_id, JSON.stringify({
          title: `${job.invalid_rows} of the ${job.total_rows} rows are invalid and were skipped:`,
          lines: job.invalid_samples.map(Web.describe),
        }));
      }
      window.location.href = "/jobs/" + job.job_id;
    }

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const file = dropped || fileInput.files[0];
      if (!file) { Web.showProblems(out, "Choose a CSV file first.", []); return; }
      out.textContent = "Uploading…";
      button.disabled = true;
      try {
        await upload(file);
      } catch (err) {
        Web.showProblems(out, "The upload did not go through: " + Web.messageOf(err), []);
      } finally {
        button.disabled = false;
      }
    });
  }

  return { start };
})();
