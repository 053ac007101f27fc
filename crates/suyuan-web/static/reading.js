// The reading timer of the today page: a reading counts once the reader
// has spent the plausible time on the page (while it is visible) and has
// reached its end. It then sends the page's form with mark ids made here;
// a send that fails (no network) is kept on the phone by app.js and sent
// when the network returns, with the same ids, so it never counts twice.
// Once sent, the streak and points at the top are brought up to date.
// The today page also has the phone keep the coming days' readings.
(function () {
  "use strict";
  var marks = window.suyuanMarks;
  if (!marks) return;

  // The coming days' pages, kept for the service worker to serve offline.
  var coming = document.getElementById("coming");
  if (coming && "caches" in window) {
    caches.open("suyuan-pages").then(function (cache) {
      coming.dataset.pages.split(" ").forEach(function (page) {
        fetch(page, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) cache.put(page, response);
        }).catch(function () { /* kept on the next visit */ });
      });
    });
  }

  // Today in the campaign's time zone (YYYY-MM-DD, as the page's day is
  // written), whatever zone the phone is set to.
  function localDay() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  }

  // Fresh mark ids made on the phone, where it can (a secure page).
  function withOwnIds(value) {
    if (!window.crypto || !crypto.randomUUID) return value;
    return value.split(",").map(function (item) {
      var parts = item.split(":");
      if (parts.length >= 2) parts[1] = crypto.randomUUID();
      return parts.join(":");
    }).join(",");
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

  Array.prototype.forEach.call(document.querySelectorAll("form.read-form"), function (form) {
    var need = Number(form.getAttribute("data-seconds")) || 0;
    var status = form.querySelector(".read-status");
    var end = form.parentNode.querySelector(".read-end");
    var ids = form.querySelector("input[name=marks]");
    ids.value = withOwnIds(ids.value);
    var spent = 0, last = Date.now(), reached = false, sending = false, done = false;

    form.classList.add("timed");
    function show(text) { status.textContent = text; }
    function update() {
      if (done || sending) return;
      var left = Math.max(0, Math.ceil(need - spent));
      if (localDay() < form.dataset.day) show(form.dataset.early);
      else if (left > 0) show(form.getAttribute("data-waiting").replace("{seconds}", left));
      else if (!reached) show(form.getAttribute("data-scroll"));
      else send();
    }
    function finished(card, text) {
      done = true;
      card.classList.add("read-done");
      show(text);
    }
    // Finished offline: kept on the phone until the network returns, then
    // shown as done like any other.
    function kept(card, item) {
      done = true;
      card.classList.add("read-kept");
      show(form.dataset.kept);
      window.addEventListener("suyuan-mark-sent", function sent(event) {
        if (event.detail !== item.body) return;
        window.removeEventListener("suyuan-mark-sent", sent);
        card.classList.remove("read-kept");
        finished(card, form.getAttribute("data-done"));
        refreshStanding(card);
      });
    }
    var refusals = 0;
    function send() {
      sending = true;
      var card = form.closest(".card");
      var body = new URLSearchParams(new FormData(form));
      body.set("seconds", String(Math.floor(spent)));
      var item = { action: form.action, body: body.toString() };
      if (!navigator.onLine) {
        marks.keep(item);
        kept(card, item);
        return;
      }
      show(form.getAttribute("data-sending"));
      marks.post(item.action, item.body).then(function (outcome) {
        if (outcome === "sent") {
          finished(card, form.getAttribute("data-done"));
          refreshStanding(card);
        } else if (outcome === "kept") {
          marks.keep(item);
          kept(card, item);
        } else {
          // Refused (read too fast, say): a little later, with the time
          // read by then; not every second, and not for ever.
          show(form.getAttribute("data-retry"));
          refusals += 1;
          if (refusals < 3) setTimeout(function () { sending = false; }, 30000);
        }
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
