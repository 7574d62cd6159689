// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Live character counters for fields with data-maxlength-counter.
  document.querySelectorAll("[data-maxlength-counter]").forEach(function (field) {
    var output = document.getElementById(field.getAttribute("data-maxlength-counter"));
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!output || !max) { return; }
    var update = function () { output.textContent = field.value.length + " / " + max; };
    field.addEventListener("input", update);
    update();
  });
})();
