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
  // Moderation: text selected in a comment fills that comment's "text to hide" field.
  document.querySelectorAll("[data-redact-source]").forEach(function (source) {
    var target = document.getElementById(source.getAttribute("data-redact-source"));
    if (!target) { return; }
    source.addEventListener("mouseup", function () {
      var selection = window.getSelection ? window.getSelection() : null;
      if (!selection || selection.isCollapsed || !source.contains(selection.anchorNode)) { return; }
      // The labels ([Mobile number]...) are not part of the comment's text.
      var copy = selection.getRangeAt(0).cloneContents();
      copy.querySelectorAll(".pii-label").forEach(function (label) { label.remove(); });
      var selected = copy.textContent.trim();
      if (selected) { target.value = selected; }
    });
  });
})();
