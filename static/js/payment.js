// The payment page's live countdown (templates/storefront/orders/payment.html). Without it the
// page says "Expires at HH:MM"; with it, "14:32 left" beside that, every second.
//   <span data-countdown="ISO time" data-left="{time} left" data-expired="The QR has expired.">
// The panel is swapped by htmx when the payment arrives, so elements are looked up each tick.
(function () {
  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function tick() {
    var counters = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < counters.length; i++) {
      var counter = counters[i];
      var left = Math.max(0, Math.floor((Date.parse(counter.dataset.countdown) - Date.now()) / 1000));
      counter.textContent = left > 0
        ? counter.dataset.left.replace("{time}", Math.floor(left / 60) + ":" + pad(left % 60))
        : counter.dataset.expired;
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
