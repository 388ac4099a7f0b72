// A product's sentiment history: the fragment from /web/products/{source}/{id} (Web.load, with the token); picking
// two history points asks for the same fragment comparing them.
"use strict";
(() => {
  const el = document.getElementById("product-history");
  let query = "";
  const show = () => Web.load(el, query);
  el.addEventListener("change", (ev) => {
    if (!ev.target.closest("#compare")) return;
    const a = document.getElementById("point-a").value;
    const b = document.getElementById("point-b").value;
    query = "?" + new URLSearchParams({ a, b }).toString();
    show().then(() => document.getElementById("changed-h")?.scrollIntoView());
  });
  Web.onToken(show);
  show();
})();
