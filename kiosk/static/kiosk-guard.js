// Treffpunkt kiosk: one tap, one action. Loaded in <head> without "defer", so the guard is in place
// before the first button can be touched (a deferred script may run only after a fast second tap).
//
// Once a form is sent the page is on its way out; a second touch shortly after (shaky fingers,
// 150 ms) must not send it again. The next page may already be there by the second touch, so the
// last button sent and when are kept across pages (sessionStorage): the same button again within
// DEBOUNCE_MS is ignored, another one (the next letter) is not. Time is the moment of the touch
// (the pointer event's own time stamp), not the moment a busy PC gets round to handling it.
"use strict";
(function () {
  var SEND_GUARD_MS = 1500;
  var DEBOUNCE_MS = 300;
  var TOUCH_COUNTS_MS = 2000;
  var sending = false;
  var touchedAt = 0;

  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem("kiosk-last-send") || "{}"); } catch (e) { return {}; }
  }

  function remember(what, at) {
    try {
      window.sessionStorage.setItem("kiosk-last-send", JSON.stringify({ what: what, at: at }));
    } catch (e) { /* storage refused: the in-page guard still holds */ }
  }

  // Epoch milliseconds of an event, comparable across pages (each page has its own time origin).
  function epochOf(event) { return window.performance.timeOrigin + event.timeStamp; }

  document.addEventListener("pointerdown", function (event) { touchedAt = epochOf(event); },
    { capture: true, passive: true });

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var what = (event.target.getAttribute("action") || window.location.pathname) + " " +
      (button ? button.name + "=" + button.value : "");
    var now = Date.now();
    var at = now - touchedAt < TOUCH_COUNTS_MS ? touchedAt : now;
    var last = remembered();
    if (sending || (last.what === what && Math.abs(at - last.at) < DEBOUNCE_MS)) {
      event.preventDefault();
      return;
    }
    sending = true;
    remember(what, at);
    window.setTimeout(function () { sending = false; }, SEND_GUARD_MS);
  }, true);

  window.addEventListener("pageshow", function () { sending = false; });
}());
