// Ordered picks: in a fieldset marked data-ordered, the order boxes are
// ticked in is kept in its hidden field `picked` and shown beside each box
// (1, 2, 3…). Without this script the form sends the boxes in page order.
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-ordered]").forEach(function (fieldset) {
    var picked = fieldset.querySelector("input[name=picked]");
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    var order = [];

    function show() {
      picked.value = order.join(",");
      boxes.forEach(function (box) {
        var place = box.parentNode.querySelector(".pick-place");
        var at = order.indexOf(box.value);
        if (place) place.textContent = at < 0 ? "" : String(at + 1);
      });
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
    show();
  });
})();
