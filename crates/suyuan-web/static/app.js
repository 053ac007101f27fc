// What every page shares: the service worker that keeps pages for reading
// without a network, and the readings finished offline. A reading that
// could not be sent is kept on the phone (with the mark ids the page made,
// so that it counts once however often it is sent) and sent again when
// the network returns; the line under the header says what is waiting.
(function () {
  "use strict";
  var KEY = "sy_pending_marks";
  var line = document.getElementById("net-status");

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* pages still work */ });
  }

  function pending() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
    show();
  }
  function show() {
    if (!line) return;
    var count = pending().length;
    var parts = [];
    if (!navigator.onLine) parts.push(line.dataset.offline);
    if (count) parts.push(line.dataset.waiting.replace("{count}", count));
    line.textContent = parts.join(" ");
    line.hidden = parts.length === 0;
  }

  // Sends a form body; resolves with the response unless the network (or
  // a server error, which may pass) kept it from arriving. A refusal
  // (4xx) will not change on a retry.
  function post(action, body) {
    return fetch(action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      if (response.ok || (response.status >= 400 && response.status < 500)) return response;
      throw new Error("status " + response.status);
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) { show(); return; }
    var list = pending();
    if (!list.length) { show(); return; }
    flushing = true;
    var left = [];
    var sends = list.map(function (item) {
      return post(item.action, item.body).catch(function () { left.push(item); });
    });
    Promise.all(sends).then(function () {
      // Keep what failed and whatever was added meanwhile.
      var sent = list.filter(function (item) { return left.indexOf(item) < 0; });
      store(pending().filter(function (item) {
        return !sent.some(function (done) { return done.body === item.body; });
      }));
      flushing = false;
      if (sent.length) window.dispatchEvent(new CustomEvent("suyuan-marks-sent"));
    });
  }

  window.suyuanMarks = {
    post: post,
    keep: function (item) {
      var list = pending();
      if (!list.some(function (kept) { return kept.body === item.body; })) list.push(item);
      store(list);
    },
    flush: flush
  };

  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  flush();
})();
