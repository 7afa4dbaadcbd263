// Drag and drop reordering of sibling categories (HTML5 drag and drop). Without JavaScript the
// Up/Down buttons do the same. Sends the siblings' new order to data-reorder-url.
(function () {
  "use strict";
  var list = document.querySelector(".admin-tree[data-reorder-url]");
  if (!list) return;
  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("li[data-id]");
    if (dragged) event.dataTransfer.effectAllowed = "move";
  });
  list.addEventListener("dragover", function (event) {
    var target = event.target.closest("li[data-id]");
    if (dragged && target && target !== dragged && target.dataset.parent === dragged.dataset.parent) {
      event.preventDefault();
    }
  });
  list.addEventListener("drop", function (event) {
    var target = event.target.closest("li[data-id]");
    if (!dragged || !target || target === dragged || target.dataset.parent !== dragged.dataset.parent) return;
    event.preventDefault();
    var box = target.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    target.parentNode.insertBefore(dragged, after ? target.nextSibling : target);
    var ids = Array.prototype.filter
      .call(list.querySelectorAll("li[data-id]"), function (item) { return item.dataset.parent === dragged.dataset.parent; })
      .map(function (item) { return item.dataset.id; });
    var body = new FormData();
    body.append("csrf_token", list.dataset.csrf);
    body.append("ids", ids.join(","));
    fetch(list.dataset.reorderUrl, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function () { window.location.reload(); });  // the server's order (or its refusal) is shown
  });
})();
