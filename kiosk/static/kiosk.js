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

  // Read aloud: the screen is read in short parts, one after the other, while the button shows
  // "Stopp". Name and phone number (data-personal) are read only with the separate "Meine Angaben
  // vorlesen" button on that screen. The text goes in a POST body, never in a URL; the audio is
  // played from memory and released after playing.
  var speak = document.getElementById("read-aloud");
  var speakPersonal = document.getElementById("read-personal");
  var speechStatus = document.getElementById("speech-status");
  var MAX_PART = 400;
  var reading = null;

  function say(element) {
    var copy = element.cloneNode(true);
    copy.querySelectorAll("[data-say]").forEach(function (inner) { inner.textContent = inner.dataset.say; });
    copy.querySelectorAll("[aria-hidden=true], .change").forEach(function (inner) { inner.remove(); });
    return (element.dataset.say || copy.textContent).replace(/\s+/g, " ").trim();
  }

  function shortParts(text) {
    var parts = [];
    text.split(/(?<=[.!?])\s+/).forEach(function (sentence) {
      while (sentence.length > MAX_PART) {
        var cut = sentence.lastIndexOf(" ", MAX_PART);
        cut = cut > 0 ? cut : MAX_PART;
        parts.push(sentence.slice(0, cut));
        sentence = sentence.slice(cut).trim();
      }
      if (sentence) { parts.push(sentence); }
    });
    return parts;
  }

  function collect(personal) {
    var parts = [];
    document.querySelectorAll(personal ? "main [data-personal]" : "main [data-speak]").forEach(function (element) {
      var source = element;
      if (!personal) {  // name and phone number stay unread unless asked for
        source = element.cloneNode(true);
        source.querySelectorAll("[data-personal]").forEach(function (inner) { inner.remove(); });
      }
      shortParts(say(source)).forEach(function (part) {
        parts.push({ text: part, element: element, personal: personal, kind: element.dataset.kind || "text" });
      });
    });
    return parts;
  }

  function showStatus(message) {
    speechStatus.textContent = message;
    speechStatus.hidden = !message;
  }

  function stopReading() {
    if (!reading) { return; }
    reading.stopped = true;
    if (reading.audio) { reading.audio.pause(); }
    if (reading.url) { URL.revokeObjectURL(reading.url); }
    document.querySelectorAll(".reading").forEach(function (element) { element.classList.remove("reading"); });
    [speak, speakPersonal].forEach(function (button) {
      if (button) { button.textContent = button.dataset.label; button.setAttribute("aria-pressed", "false"); }
    });
    body.classList.remove("speaking");
    reading = null;
  }

  function fetchPart(part) {
    var data = new FormData();
    data.append("text", part.text);
    data.append("lang", body.dataset.language);
    data.append("kind", part.kind);
    if (part.personal) { data.append("personal", "1"); }
    return fetch(body.dataset.speechUrl, {
      method: "POST", body: data, cache: "no-store", headers: { "X-CSRFToken": body.dataset.csrf }
    }).then(function (response) {
      if (response.ok) { return response.blob(); }
      return response.json().then(function (problem) { throw new Error(problem.message); },
        function () { throw new Error(body.dataset.speechFailed); });
    });
  }

  function playFrom(state, index, pending) {
    if (state.stopped) { return; }
    if (index >= state.parts.length) { stopReading(); return; }
    var next = index + 1 < state.parts.length ? fetchPart(state.parts[index + 1]) : null;
    if (next) { next.catch(function () { /* reported when its turn comes */ }); }
    pending.then(function (blob) {
      if (state.stopped) { return; }
      document.querySelectorAll(".reading").forEach(function (element) { element.classList.remove("reading"); });
      state.parts[index].element.classList.add("reading");
      state.url = URL.createObjectURL(blob);
      state.audio = new Audio(state.url);
      state.audio.addEventListener("ended", function () {
        URL.revokeObjectURL(state.url);
        state.url = null;
        touched();  // listening is not idleness: the idle reset must not cut the reading
        playFrom(state, index + 1, next);
      });
      return state.audio.play();
    }).catch(function (error) {
      if (state.stopped) { return; }
      stopReading();
      showStatus(error && error.message ? error.message : body.dataset.speechFailed);
    });
  }

  function startReading(button, personal) {
    var wasMine = reading && reading.button === button;
    stopReading();
    if (wasMine) { return; }
    showStatus("");
    var parts = collect(personal);
    if (!parts.length) { return; }
    reading = { parts: parts, stopped: false, button: button, audio: null, url: null };
    button.textContent = body.dataset.stopLabel;
    button.setAttribute("aria-pressed", "true");
    body.classList.add("speaking");
    playFrom(reading, 0, fetchPart(parts[0]));
  }

  [speak, speakPersonal].forEach(function (button) {
    if (!button) { return; }
    button.dataset.label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () { startReading(button, button === speakPersonal); });
  });
  window.addEventListener("pagehide", stopReading);

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
