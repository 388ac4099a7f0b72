// The header's "Dead letters" link shows how many wait for a replay (from /web/dead-letters/count, with the token).
// Quiet on failure: the page's own content already says what went wrong.
"use strict";
const DeadLetterCount = (() => {
  const el = document.getElementById("dead-letter-count");
  async function refresh() {
    if (!el) return;
    try {
      const response = await Web.api("/web/dead-letters/count");
      if (!response.ok) return;
      const n = Number(await response.text());
      el.textContent = n ? ` (${n})` : "";
      el.dataset.count = String(n);
    } catch (err) { /* the token form or the page says why */ }
  }
  Web.onToken(refresh);
  refresh();
  return { refresh };
})();
