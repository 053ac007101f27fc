// The sitting page: each answer is saved as it is given (the server
// acknowledges once it is committed), and the time left is shown. The
// deadline is the server's; without this script the form's buttons save.
(function () {
  "use strict";
  var form = document.getElementById("sitting");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf]").value;

  function save(fieldset) {
    var position = fieldset.getAttribute("data-position");
    var body = new URLSearchParams();
    body.append("csrf", csrf);
    fieldset.querySelectorAll("input, textarea").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      body.append("v", input.value);
    });
    fetch(form.getAttribute("action") + "/answers/" + position, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      var saved = fieldset.querySelector(".saved");
      if (saved) saved.hidden = !response.ok;
    });
  }

  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { save(fieldset); });
  });

  // Counted from the server's own time when the page was made, so that a
  // phone whose clock is wrong still shows the time really left.
  var remaining = Date.parse(form.getAttribute("data-deadline")) - Date.parse(form.getAttribute("data-now"));
  var loaded = Date.now();
  var countdown = form.querySelector(".countdown");
  var left = form.querySelector("[data-left]");
  function tick() {
    var seconds = Math.max(0, Math.round((remaining - (Date.now() - loaded)) / 1000));
    left.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    countdown.hidden = false;
    // At the deadline the server submits; show the result.
    if (seconds === 0) { window.setTimeout(function () { window.location.reload(); }, 1500); return; }
    window.setTimeout(tick, 1000);
  }
  if (!isNaN(remaining)) tick();
})();
