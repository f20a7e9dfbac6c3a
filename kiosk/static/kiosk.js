// Treffpunkt kiosk: idle reset, read aloud and print progress (everything else works without it).
"use strict";
(function () {
  var body = document.body;
  var idleSeconds = Number(body.dataset.idleSeconds || 60);
  var promptSeconds = Number(body.dataset.idlePromptSeconds || 20);
  var askFirst = body.dataset.idlePrompt !== "0";
  var idle = document.getElementById("idle");
  var countdown = document.getElementById("idle-countdown");
  var resetForm = document.getElementById("reset-form");
  var idleTimer = null;
  var countdownTimer = null;
  var remaining = 0;

  var behind = document.querySelectorAll("header, main");

  // Never stuck: the service worker answers a page that cannot load with the waiting page.
  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker).catch(function () { /* plain pages still work */ });
  }

  function resetNow() { resetForm.submit(); }

  function cover(on) {
    idle.hidden = !on;
    behind.forEach(function (element) { element.inert = on; });
  }

  function tick() {
    remaining -= 1;
    countdown.textContent = body.dataset.countdownText.replace("{n}", String(Math.max(remaining, 0)));
    if (remaining <= 0) { window.clearInterval(countdownTimer); resetNow(); }
  }

  function showPrompt() {
    if (!askFirst) { resetNow(); return; }
    cover(true);
    remaining = promptSeconds + 1;
    tick();
    countdownTimer = window.setInterval(tick, 1000);
    document.getElementById("idle-continue").focus();
  }

  function touched() {
    window.clearTimeout(idleTimer);
    window.clearInterval(countdownTimer);
    cover(false);
    idleTimer = window.setTimeout(showPrompt, idleSeconds * 1000);
  }

  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  document.getElementById("idle-continue").addEventListener("click", touched);
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  touched();

  // One tap, one action: once a form is sent the page is on its way out; a second touch shortly
  // after (shaky fingers, 150 ms) must not send it again. The next page may already be there by the
  // second touch, so the last button sent and when are kept across pages (sessionStorage): the same
  // button again within DEBOUNCE_MS is ignored, another one (the next letter) is not.
  var sending = false;
  var SEND_GUARD_MS = 1500;
  var DEBOUNCE_MS = 300;
  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem("kiosk-last-send") || "{}"); } catch (e) { return {}; }
  }
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var what = (event.target.getAttribute("action") || window.location.pathname) + " " +
      (button ? button.name + "=" + button.value : "");
    var last = remembered();
    var now = Date.now();
    if (sending || (last.what === what && now - last.at < DEBOUNCE_MS)) { event.preventDefault(); return; }
    sending = true;
    try {
      window.sessionStorage.setItem("kiosk-last-send", JSON.stringify({ what: what, at: now }));
    } catch (e) { /* storage refused: the in-page guard still holds */ }
    window.setTimeout(function () { sending = false; }, SEND_GUARD_MS);
  }, true);
  window.addEventListener("pageshow", function () { sending = false; });

  // Read aloud: the server synthesises the screen's main text; a second tap stops it.
  var speak = document.getElementById("read-aloud");
  var audio = null;
  speak.hidden = false;
  speak.addEventListener("click", function () {
    if (audio && !audio.paused) { audio.pause(); return; }
    var parts = [];
    document.querySelectorAll("main [data-speak]").forEach(function (element) {
      parts.push(element.innerText.replace(/\s+/g, " ").trim());
    });
    var text = parts.join(". ").slice(0, 1500);
    if (!text) { return; }
    var url = body.dataset.speechUrl + "?lang=" + encodeURIComponent(body.dataset.language) +
      "&text=" + encodeURIComponent(text);
    audio = new Audio(url);
    audio.play();
  });

  // Print progress: ask the server until the job has a final outcome.
  var progress = document.getElementById("print-progress");
  if (progress && !progress.classList.contains("final")) {
    var poll = window.setInterval(function () {
      fetch(progress.dataset.progressUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          progress.textContent = data.message;
          if (data.final) { progress.classList.add("final"); window.clearInterval(poll); }
        });
    }, 1000);
  }
}());
