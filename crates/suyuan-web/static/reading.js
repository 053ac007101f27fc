// The reading timer of the today page: a reading counts once the reader
// has spent the plausible time on the page (while it is visible) and has
// reached its end. It then sends the page's form; a failed send is kept
// and sent again later, with the same mark ids, so it never counts twice.
// Once sent, the streak and points at the top are brought up to date.
(function () {
  "use strict";
  var KEY = "sy_pending_marks";

  function pending() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function keep(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }
  function post(action, body) {
    return fetch(action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      // A refusal (4xx) will not change on a retry; only keep what may.
      if (response.ok || (response.status >= 400 && response.status < 500)) return response;
      throw new Error("status " + response.status);
    });
  }

  // The streak and points above a reading just recorded: taken from the
  // page as the server now renders it, so that they are the server's own.
  function refreshStanding(card) {
    var standing = card.previousElementSibling;
    while (standing && !standing.matches("section.card.today")) standing = standing.previousElementSibling;
    var all = document.querySelectorAll("section.card.today");
    var i = Array.prototype.indexOf.call(all, standing);
    if (i < 0) return;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelectorAll("section.card.today")[i];
        if (fresh) standing.replaceWith(fresh);
      })
      .catch(function () { /* they show on the next visit */ });
  }

  // Replays readings that could not be sent before (offline, say).
  var replay = pending();
  keep([]);
  replay.forEach(function (item) {
    post(item.action, item.body).catch(function () { keep(pending().concat([item])); });
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.read-form"), function (form) {
    var need = Number(form.getAttribute("data-seconds")) || 0;
    var status = form.querySelector(".read-status");
    var end = form.parentNode.querySelector(".read-end");
    var spent = 0, last = Date.now(), reached = false, sending = false, done = false;

    form.classList.add("timed");
    function show(text) { status.textContent = text; }
    function update() {
      if (done || sending) return;
      var left = Math.max(0, Math.ceil(need - spent));
      if (left > 0) show(form.getAttribute("data-waiting").replace("{seconds}", left));
      else if (!reached) show(form.getAttribute("data-scroll"));
      else send();
    }
    function send() {
      sending = true;
      show(form.getAttribute("data-sending"));
      var body = new URLSearchParams(new FormData(form));
      body.set("seconds", String(Math.floor(spent)));
      body = body.toString();
      post(form.action, body).then(function (response) {
        if (!response.ok) throw new Error("refused");
        done = true;
        var card = form.closest(".card");
        card.classList.add("read-done");
        show(form.getAttribute("data-done"));
        refreshStanding(card);
      }).catch(function (error) {
        if (String(error.message).indexOf("refused") < 0) {
          keep(pending().concat([{ action: form.action, body: body }]));
        }
        sending = false;
        show(form.getAttribute("data-retry"));
      });
    }
    if ("IntersectionObserver" in window && end) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { reached = true; update(); }
      }).observe(end);
    } else {
      reached = true;
    }
    setInterval(function () {
      var now = Date.now();
      if (!document.hidden) spent += (now - last) / 1000;
      last = now;
      update();
    }, 1000);
    update();
  });
})();
