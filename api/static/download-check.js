// Shows how much of a large download has been sent, then shows the answer. Without
// JavaScript the form posts as usual.
(function () {
  var form = document.getElementById("download-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = document.getElementById("download-progress");
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    var button = form.querySelector("button[type=submit]");
    var input = document.getElementById("download");
    box.hidden = false;
    // The service refuses a file over its limit unread: say so before sending it.
    var file = input.files && input.files[0];
    if (file && file.size > Number(input.dataset.maxBytes)) {
      status.textContent = input.dataset.tooLarge;
      return;
    }
    button.disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      status.textContent = percent < 100 ? percent + "% sent" : "Sent. Checking it against your school…";
    });
    request.addEventListener("load", function () {
      // A refusal before the page was reached (signed out, too large) is a short JSON answer.
      if ((request.getResponseHeader("Content-Type") || "").indexOf("application/json") === 0) {
        var detail = "";
        try { detail = JSON.parse(request.responseText).detail; } catch (e) { detail = ""; }
        status.textContent = request.status === 401
          ? "You are signed out. Sign in again, then check your download."
          : (request.status === 413 ? input.dataset.tooLarge : String(detail || "The download could not be checked."));
        button.disabled = false;
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      status.textContent = "The download could not be sent. Try again.";
      button.disabled = false;
    });
    request.send(new FormData(form));
  });
})();
