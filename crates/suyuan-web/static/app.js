// What every page shares: print buttons, the service worker that keeps pages for reading
// without a network, and the readings finished offline. A reading that
// could not be sent is kept on the phone with whose it is and the mark ids
// the page made (so that it counts once however often it is sent), and is
// sent again when the network returns, while its reader is signed in, with
// the page's current form token. The line under the header says what is
// waiting.
(function () {
  "use strict";
  var KEY = "sy_pending_marks";
  var line = document.getElementById("net-status");
  var member = line && line.dataset.member;

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
  function mine(item) { return member && item.member === member; }
  function show() {
    if (!line) return;
    var list = pending();
    var own = list.filter(mine).length;
    var parts = [];
    if (!navigator.onLine) parts.push(line.dataset.offline);
    if (own) parts.push(line.dataset.waiting.replace("{count}", own));
    else if (list.length && !member) parts.push(line.dataset.signIn.replace("{count}", list.length));
    line.textContent = parts.join(" ");
    line.hidden = parts.length === 0;
  }

  // The form token of this page, which replaces a kept one (a browser
  // restarted offline may have been given a new one).
  function withToken(body) {
    var field = document.querySelector("input[name=csrf]");
    if (!field) return body;
    var params = new URLSearchParams(body);
    params.set("csrf", field.value);
    return params.toString();
  }

  // Sends a form body. Resolves "sent" once it is recorded, "refused" when
  // it never will be (a 4xx other than a lapsed sign-in), and "kept" when
  // it should be sent again: no network, a server error, or a sign-in that
  // lapsed (answered by a redirect to the sign-in page, or 401/403).
  function post(action, body) {
    return fetch(action, {
      method: "POST",
      body: withToken(body),
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      if (response.ok) return "sent";
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) return "kept";
      if (response.status >= 400 && response.status < 500) return "refused";
      return "kept";
    }, function () { return "kept"; });
  }

  var flushing = false;
  function flush() {
    show();
    if (flushing || !navigator.onLine || !member) return;
    var list = pending().filter(mine);
    if (!list.length) return;
    flushing = true;
    var done = [];
    Promise.all(list.map(function (item) {
      return post(item.action, item.body).then(function (outcome) {
        if (outcome !== "kept") done.push(item.body);
        if (outcome === "sent") {
          window.dispatchEvent(new CustomEvent("suyuan-mark-sent", { detail: item.body }));
        }
      });
    })).then(function () {
      store(pending().filter(function (item) { return done.indexOf(item.body) < 0; }));
      flushing = false;
    });
  }

  window.suyuanMarks = {
    post: post,
    keep: function (item) {
      item.member = member;
      var list = pending();
      if (!list.some(function (kept) { return kept.body === item.body; })) list.push(item);
      store(list);
    },
    flush: flush
  };

  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  flush();

  // A button that prints its page (recovery codes, a ledger).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
