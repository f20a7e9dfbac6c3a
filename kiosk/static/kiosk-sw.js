// Treffpunkt kiosk service worker: never stuck on a browser error page. A page that cannot be
// loaded (server restarting, network down, a gateway error) is answered with the kept offline
// page, which asks the server every few seconds and goes back to Start once it answers.
"use strict";
var CACHE = "kiosk-offline-v1";
var OFFLINE = "/kiosk/offline";
var KEPT = [OFFLINE, "/kiosk/static/kiosk.css", "/kiosk/static/kiosk-return.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(KEPT); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return caches.match(OFFLINE).then(function (page) {
    return page || new Response("<!doctype html><meta charset=utf-8><title>Treffpunkt</title>" +
      "<h1>Einen Moment bitte.</h1><p><a href='/kiosk/'>Start</a></p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Only the offline page itself is kept: every other page is personal or changes, never cached.
    event.respondWith(fetch(request).then(function (response) {
      return response.status >= 502 && response.status <= 504 && !response.headers.get("X-Kiosk-Page")
        ? offlinePage() : response;
    }, offlinePage));
    return;
  }
  if (KEPT.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () { return caches.match(url.pathname); }));
  }
});
