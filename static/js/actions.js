// Small page actions declared with data attributes, so no template needs an inline handler
// (the Content-Security-Policy allows only this site's script files).
//   <button data-print>            prints the page
//   <button data-confirm="...">    asks before submitting its form
document.addEventListener("click", function (event) {
  var print = event.target.closest("[data-print]");
  if (print) {
    window.print();
    return;
  }
  var ask = event.target.closest("[data-confirm]");
  if (ask && !window.confirm(ask.dataset.confirm)) {
    event.preventDefault();
  }
});

// <form data-swap-client-errors>        htmx swaps 4xx answers too (they carry the form's errors)
// <form data-swap-client-errors="422">  only these statuses
document.addEventListener("htmx:beforeSwap", function (event) {
  var element = event.detail.elt && event.detail.elt.closest("[data-swap-client-errors]");
  if (!element) {
    return;
  }
  var status = event.detail.xhr.status;
  var only = element.dataset.swapClientErrors;
  if (only ? String(status) === only : status >= 400 && status < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
