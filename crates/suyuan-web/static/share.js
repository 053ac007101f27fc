// Sharing a public article: the phone's share sheet where there is one,
// otherwise the link copied; where neither works, the link is selected
// for the person to copy by hand. Without script the link is still there.
(function () {
  "use strict";
  var box = document.getElementById("share");
  if (!box) return;
  var input = box.querySelector(".share-url");
  var button = box.querySelector(".share-button");
  var status = box.querySelector(".share-status");
  button.hidden = false;
  function failed() {
    input.focus();
    input.select();
    status.textContent = box.dataset.failed;
  }
  function copy() {
    if (!navigator.clipboard) { failed(); return; }
    navigator.clipboard.writeText(input.value)
      .then(function () { status.textContent = box.dataset.copied; }, failed);
  }
  button.addEventListener("click", function () {
    if (navigator.share) {
      navigator.share({ title: box.dataset.title, url: input.value })
        .catch(function (error) { if (error.name !== "AbortError") copy(); });
    } else {
      copy();
    }
  });
  input.addEventListener("focus", function () { input.select(); });
})();
