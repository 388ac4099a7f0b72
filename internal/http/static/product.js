// The product page: why one product scored as it did. The fragment comes from /web/jobs/{id}/products/{row} with
// the bearer token (Web.load); the reviews' pager asks for the next page of the same fragment.
"use strict";
(() => {
  const product = document.getElementById("product");
  let offset = 0;
  const show = () => Web.load(product, `?offset=${offset}`);
  product.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-offset]");
    if (!button) return;
    offset = Number(button.dataset.offset);
    show().then(() => document.getElementById("reviews-h")?.scrollIntoView());
  });
  Web.onToken(show);
  show();
})();
