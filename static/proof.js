// Proof of work (components/proof_of_work.py): while codes are in high demand, the
// code step carries an ALTCHA puzzle: find n with SHA-256(salt + n) = challenge. Put
// the answer in the form, and ask for the code if none went out yet. A button pressed
// meanwhile goes once the answer is in. Without JavaScript, or without SubtleCrypto
// (HTTPS and localhost only), the visitor waits instead, as the step says.
(function () {
  "use strict";
  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var BATCH = 500;  // digests asked for at once: the browser works them out in parallel

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  async function solve(puzzle, stillShown) {
    var encoder = new TextEncoder();
    for (var start = 0; start <= puzzle.maxNumber && stillShown(); start += BATCH) {
      var batch = [];
      for (var n = start; n < start + BATCH && n <= puzzle.maxNumber; n++) {
        batch.push(crypto.subtle.digest(puzzle.algorithm, encoder.encode(puzzle.salt + n)));
      }
      var digests = await Promise.all(batch);
      for (var i = 0; i < digests.length; i++) {
        if (hex(digests[i]) === puzzle.challenge) { return start + i; }
      }
    }
    return null;
  }

  function work(input) {
    var form = input.form, hint = document.getElementById("proof-wait");
    var puzzle = JSON.parse(input.dataset.puzzle);
    var solved = false, pressed = input.hasAttribute("data-send") ? form.querySelector('button[value="sms"]') : null;
    if (hint) { hint.textContent = hint.dataset.working; }
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (button && !solved && !event.defaultPrevented) { event.preventDefault(); pressed = button; }
    });
    solve(puzzle, function () { return document.body.contains(input); }).then(function (number) {
      if (number === null) { return; }  // gone, or never found: the wait still works
      input.value = btoa(JSON.stringify({
        algorithm: puzzle.algorithm, challenge: puzzle.challenge, number: number,
        salt: puzzle.salt, signature: puzzle.signature
      }));
      solved = true;
      if (hint) { hint.hidden = true; }
      if (pressed) { pressed.click(); }
    });
  }

  document.addEventListener("htmx:load", function (event) {
    var inputs = event.detail.elt.querySelectorAll ? event.detail.elt.querySelectorAll("input[data-puzzle]") : [];
    for (var i = 0; i < inputs.length; i++) { work(inputs[i]); }
  });
})();
