// Suyuan's service worker: keeps what a member needs to read without a
// network. Pages are asked of the network first; the reading pages (home,
// today, the coming days the today page asks the phone to keep, the
// library's) are kept as they arrive and shown from the phone when the
// network is gone or too slow. Scripts, styles and icons are kept at
// install, under this build's version. Signing out with the button forgets
// every kept page before it goes; the server also clears the site's data
// when the person signs out or another person signs in. Nothing is sent
// from here: forms go to the network as they always do.
"use strict";
var VERSION = "__VERSION__";
var ASSETS = "suyuan-assets-" + VERSION;
var PAGES = "suyuan-pages";
var PRECACHE = [
  "/static/style.css", "/static/app.js", "/static/reading.js", "/static/speak.js",
  "/static/share.js", "/static/icon.svg", "/static/icon-192.png", "/offline"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS)
    .then(function (cache) {
      // Past the browser's own cache, so that a new version keeps new files.
      return cache.addAll(PRECACHE.map(function (url) { return new Request(url, { cache: "reload" }); }));
    })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("suyuan-assets-") === 0 && key !== ASSETS;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  return path === "/" || path === "/today" || path.indexOf("/today/on/") === 0 ||
    path === "/library" || path.indexOf("/library/") === 0 || path.indexOf("/excerpts/") === 0;
}

// Today in the campaigns' time zone, as the coming days' pages are named.
function localDay() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

// How long a page may take before the one kept on the phone is shown.
var PATIENCE_MS = 6000;

// A page from the phone: for the today page, the day's own page kept
// ahead if there is one, then the last today page seen.
function fromPhone(url) {
  var tries = url.pathname === "/today" ? ["/today/on/" + localDay(), "/today"] : [url.pathname];
  return caches.open(PAGES).then(function (cache) {
    function next(i) {
      if (i >= tries.length) {
        return caches.match("/offline").then(function (page) {
          return page || new Response("offline", { status: 503 });
        });
      }
      return cache.match(tries[i]).then(function (hit) { return hit || next(i + 1); });
    }
    return next(0);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    event.respondWith(caches.delete(PAGES).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET") return;
  if (PRECACHE.indexOf(url.pathname) >= 0 && url.pathname !== "/offline") {
    event.respondWith(caches.match(url.pathname).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode !== "navigate" || !kept(url.pathname)) return;
  event.respondWith(new Promise(function (resolve) {
    var answered = false;
    function answer(response) {
      if (!answered && response) { answered = true; resolve(response); }
    }
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); }));
      }
      answer(response);
    }, function () {
      fromPhone(url).then(answer);
    });
    setTimeout(function () {
      caches.open(PAGES)
        .then(function (cache) { return cache.match(url.pathname); })
        .then(answer);
    }, PATIENCE_MS);
  }));
});
