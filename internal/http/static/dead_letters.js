// The dead-letters page: counts and the list from /web/dead-letters (Web.load, with the token), a filter by source
// and reason, and Replay, which calls POST /api/v1/dead-letters/replay with the same filter and says what moved.
"use strict";
(() => {
  const list = document.getElementById("dead-letters");
  const form = document.getElementById("dead-filter");
  const said = document.getElementById("dead-said");
  const source = document.getElementById("dead-source");
  const reason = document.getElementById("dead-reason");
  const filter = () => {
    const f = {};
    if (source.value.trim()) f.source = source.value.trim();
    if (reason.value.trim()) f.reason = reason.value.trim();
    return f;
  };
  const show = () => {
    const query = new URLSearchParams(filter()).toString();
    return Web.load(list, query ? "?" + query : "");
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show(); });
  document.getElementById("dead-clear").addEventListener("click", () => { form.reset(); show(); });
  list.addEventListener("click", (ev) => {
    const pick = ev.target.closest("a.pick");
    if (!pick) return;
    ev.preventDefault();
    source.value = pick.dataset.source;
    reason.value = pick.dataset.reason;
    show();
  });
  const button = document.getElementById("dead-replay");
  button.addEventListener("click", async () => {
    button.disabled = true;
    said.textContent = "Replaying…";
    try {
      const response = await Web.api("/api/v1/dead-letters/replay", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(filter()),
      });
      if (!response.ok) {
        Web.showProblems(said, "The replay was refused: " + (await Web.problemText(response)), []);
        return;
      }
      const r = await response.json();
      said.textContent = `Replayed ${r.examined}: ${r.stored} moved into storage, ${r.duplicates} already stored, ` +
        `${r.still_invalid.length} still invalid` + (r.skipped.length ? `, ${r.skipped.length} could not be checked` : "") + ".";
    } catch (err) {
      Web.showProblems(said, "The replay did not run: " + Web.messageOf(err), []);
    } finally {
      button.disabled = false;
    }
    show();
    DeadLetterCount.refresh();
  });
  Web.onToken(show);
  show();
})();
