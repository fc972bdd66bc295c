// Passkeys (routes/passkeys.py, components/flows/passkeys.py). Where the browser can use
// them (WebAuthn with its JSON helpers), the passkey controls are shown; elsewhere, and
// without JavaScript, nothing about them is. The server makes each ceremony's options
// (POST data-options); the browser's answer goes back in the form's `credential` field,
// posted as a plain form, so every outcome is the server's own page.
(function () {
  "use strict";
  var PKC = window.PublicKeyCredential;
  if (!PKC || !PKC.parseCreationOptionsFromJSON || !PKC.parseRequestOptionsFromJSON || !navigator.credentials) {
    return;
  }
  var waiting = null;  // the conditional request of the sign-in page (autofill), while it waits

  function token(form) {
    var field = form.querySelector("input[name=csrf_token]");  // the form's own: the step's, as fresh as it is
    return field ? field.value : "";
  }

  function say(form, text) {
    var region = form.querySelector("#passkey-error");
    if (!region) { return; }
    region.textContent = text;
    region.hidden = !text;
  }

  async function options(form, purpose) {
    var answer = await fetch(form.dataset.options, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({csrf_token: token(form), purpose: purpose}),
      credentials: "same-origin",
    });
    var body = await answer.json();
    if (!answer.ok) { throw new Error(body.error || ""); }
    return body;
  }

  function post(form, credential) {
    form.querySelector("input[name=credential]").value = JSON.stringify(credential.toJSON());
    form.submit();  // a plain post (not htmx): the answer is a page of its own
  }

  function failed(form, error) {
    // The visitor closed the browser's dialog, or another request took over: nothing to say.
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) { return; }
    say(form, (error && error.message && error.name === "Error" ? error.message : "") || form.dataset.failed);
  }

  // A passkey's answer to the form's `purpose` (signin, reauth); for signin, also offered in
  // the email field's autofill while the page is open (conditional mediation).
  async function get(form, conditional) {
    if (waiting) { waiting.abort(); }
    var controller = new AbortController();
    waiting = conditional ? controller : null;
    say(form, "");
    try {
      var publicKey = PKC.parseRequestOptionsFromJSON(await options(form, form.dataset.purpose));
      var asked = {publicKey: publicKey, signal: controller.signal};
      if (conditional) { asked.mediation = "conditional"; }
      post(form, await navigator.credentials.get(asked));
    } catch (error) {
      // Autofill is offered, not asked for: its request ends without a word (a form swapped
      // in by htmx starts another, and Chromium may refuse the new one while the old ends).
      if (!conditional) { failed(form, error); }
    }
  }

  async function add(form) {
    say(form, "");
    try {
      var publicKey = PKC.parseCreationOptionsFromJSON(await options(form, "register"));
      post(form, await navigator.credentials.create({publicKey: publicKey}));
    } catch (error) {
      failed(form, error);
    }
  }

  function setUp(root) {
    root.querySelectorAll("[data-passkeys]").forEach(function (element) { element.hidden = false; });
    root.querySelectorAll("[data-passkeys-missing]").forEach(function (element) { element.hidden = true; });
    root.querySelectorAll("[data-passkey-add]").forEach(function (button) {
      button.addEventListener("click", function () { add(button.closest("form")); });
    });
    root.querySelectorAll("[data-passkey-get]").forEach(function (button) {
      var form = button.closest("form");
      button.addEventListener("click", function () { get(form, false); });
      if (form.dataset.purpose === "signin" && PKC.isConditionalMediationAvailable) {
        PKC.isConditionalMediationAvailable().then(function (available) {
          if (available && document.querySelector("input[autocomplete~=webauthn]")) { get(form, true); }
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) { setUp(event.target); }
  });
})();
