// Waiting and error pages: ask the server until it answers, then back to Start without a touch.
"use strict";
(function () {
  var body = document.body;
  var start = body.dataset.startUrl || "/kiosk/";
  var probe = body.dataset.aliveUrl || "/kiosk/alive";
  if (body.dataset.wait === "1") {
    window.setInterval(function () {
      fetch(probe, { cache: "no-store" }).then(function (response) {
        if (response.ok) { window.location.replace(start); }
      }, function () { /* still unreachable: ask again */ });
    }, 2000);
  } else {
    window.setTimeout(function () { window.location.replace(start); }, Number(body.dataset.returnSeconds || 30) * 1000);
  }
}());
