// WebOTP: when Chrome on Android offers the code from our text (its last line is
// "@host #code"), fill it in and submit. Typing and submitting by hand cancels it.
(function () {
  "use strict";
  if (!("OTPCredential" in window) || !navigator.credentials) {
    return;
  }
  var waiting = null;
  var waitingFor = null;

  function listen() {
    var input = document.querySelector('input[autocomplete="one-time-code"]');
    if (waiting && !waiting.signal.aborted && input === waitingFor) {
      return;  // a swap elsewhere (the language switcher) left this field as it was
    }
    if (waiting) {
      waiting.abort();
      waiting = null;
    }
    if (!input || !input.form) {
      return;
    }
    var controller = new AbortController();
    waiting = controller;
    waitingFor = input;
    input.form.addEventListener("submit", function () { controller.abort(); }, { once: true });
    navigator.credentials.get({ otp: { transport: ["sms"] }, signal: controller.signal })
      .then(function (otp) {
        if (otp && otp.code && document.body.contains(input) && !controller.signal.aborted) {
          input.value = otp.code;
          input.form.requestSubmit();
        }
      })
      .catch(function () { /* aborted or not offered: the field works by hand */ });
  }

  document.addEventListener("DOMContentLoaded", listen);
  document.addEventListener("htmx:afterSettle", listen);
})();
