// Ordered picks: in a fieldset marked data-ordered, the order boxes are
// ticked in is kept in its hidden field `picked`, shown beside each box
// (1, 2, 3…) and summed up above the list; a search box narrows a long
// list by name. Without this script the form sends the boxes in page order.
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-ordered]").forEach(function (fieldset) {
    var picked = fieldset.querySelector("input[name=picked]");
    var summary = fieldset.querySelector(".pick-summary");
    var filter = fieldset.querySelector(".pick-filter");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    var order = [];

    function name(box) {
      return box.parentNode.textContent.trim();
    }

    function show() {
      picked.value = order.join(",");
      var names = [];
      boxes.forEach(function (box) {
        var place = box.parentNode.querySelector(".pick-place");
        var at = order.indexOf(box.value);
        if (place) place.textContent = at < 0 ? "" : String(at + 1);
        if (at >= 0) names[at] = (at + 1) + ". " + name(box).replace(/^\d+\s*/, "");
      });
      if (summary) {
        summary.textContent = names.length ? summary.getAttribute("data-label") + names.join("　") : "";
      }
    }

    boxes.forEach(function (box) {
      if (box.checked) order.push(box.value);
      box.addEventListener("change", function () {
        var at = order.indexOf(box.value);
        if (box.checked && at < 0) order.push(box.value);
        if (!box.checked && at >= 0) order.splice(at, 1);
        show();
      });
    });

    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var words = filter.value.trim().toLowerCase();
        boxes.forEach(function (box) {
          box.parentNode.hidden = words !== "" && name(box).toLowerCase().indexOf(words) < 0;
        });
      });
    }
    show();
  });
})();
