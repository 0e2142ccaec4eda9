// The Import page while a large import runs in the background: ask how far it has got
// every second, show it, and show the result once it has finished. Without scripts the
// page's link does the same by hand.
(function () {
  "use strict";
  var section = document.getElementById("import-running");
  if (!section) return;
  var bar = document.getElementById("import-progress");
  var step = document.getElementById("import-step");
  function poll() {
    fetch(section.dataset.progress, {credentials: "same-origin", cache: "no-store"})
      .then(function (answer) {
        if (!answer.ok) throw new Error("gone");
        return answer.json();
      })
      .then(function (status) {
        if (status.done) {
          window.location.assign(section.dataset.finished);
          return;
        }
        bar.max = status.steps;
        bar.value = status.step;
        bar.textContent = status.step + " of " + status.steps + " steps";
        step.textContent = "Step " + (status.step + 1) + " of " + status.steps + ": " +
          status.what + ".";
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.location.assign(section.dataset.finished); });
  }
  window.setTimeout(poll, 500);
})();
