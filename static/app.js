// When htmx cannot swap an answer (a server error, the network), keep the
// current step as it is and say so, instead of failing silently.
(function () {
  "use strict";
  var pageError = function () { return document.getElementById("page-error"); };

  function show(message) {
    var box = pageError();
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
    box.focus();  // not left on a button htmx disabled, or on <body>
  }

  // The app's own error pages are whole pages: never swapped over the step, so
  // what the visitor typed stays where it is; the message above says what happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.getResponseHeader("X-Error-Page")) {
      event.detail.shouldSwap = false;
      event.detail.isError = true;
    }
  });
  // The code step asking after its text's delivery is not the visitor's doing: if that
  // fails, the step stays as it is and says nothing.
  function asking(event) { return event.detail.elt && event.detail.elt.id === "delivery-poll"; }

  document.addEventListener("htmx:responseError", function (event) {
    if (asking(event)) { return; }
    var status = event.detail.xhr.status;
    var box = pageError();
    if (!box) { return; }
    // 408: what was sent did not all arrive in time, which is the network's doing.
    show(status === 413 ? box.dataset.tooMuch : status === 408 ? box.dataset.offline :
      box.dataset.failed.replace("{status}", status));
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (asking(event)) { return; }
    var box = pageError();
    if (box) { show(box.dataset.offline); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (asking(event)) { return; }
    var box = pageError();
    if (box) { box.hidden = true; }
  });

  // A form shown again after an error never carries a password back: the fields it marks
  // data-keep (nothing was wrong with them) get what was typed in them before the swap.
  var typed = {};
  document.addEventListener("htmx:beforeSwap", function () {
    typed = {};
    var fields = document.querySelectorAll("#step input[type=password], #step input[data-reveal]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) { typed[fields[i].id] = fields[i].value; }
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    var fields = document.querySelectorAll("#step input[data-keep]");
    for (var i = 0; i < fields.length; i++) {
      if (typed[fields[i].id]) { fields[i].value = typed[fields[i].id]; }
    }
    typed = {};
  });

  // A fragment's country list holds only the chosen country: the page has the rest,
  // in its first full list or in <template id="country-options">.
  var countryOptions = null;
  function rememberCountries() {
    var source = document.getElementById("country-options") ||
      document.querySelector("select#country:not([data-options])");
    if (source) { countryOptions = source.innerHTML; }
  }
  function fillCountries(root) {
    var lists = root.querySelectorAll("select[data-options]");
    for (var i = 0; i < lists.length; i++) {
      var chosen = lists[i].value;
      if (countryOptions) { lists[i].innerHTML = countryOptions; }
      lists[i].value = chosen;
      lists[i].removeAttribute("data-options");
    }
  }
  document.addEventListener("DOMContentLoaded", rememberCountries);
  document.addEventListener("htmx:afterSwap", function () { fillCountries(document); });

  // Every password field gets a button that shows what was typed, and hides it again
  // (without JavaScript there is no button). Its name says what it does; the status
  // region says what happened. A form is sent with its passwords hidden again, so that
  // password managers see a password field.
  var reveal = document.getElementById("password-reveal");
  function addReveals(root) {
    var fields = reveal && root.querySelectorAll ? root.querySelectorAll("input[type=password]") : [];
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].dataset.reveal) { continue; }
      fields[i].dataset.reveal = "yes";
      var button = reveal.content.firstElementChild.cloneNode(true);
      button.setAttribute("aria-controls", fields[i].id);
      button.addEventListener("click", function (field, button) {
        shown(field, button, field.type === "password");
        var status = document.getElementById("status");
        if (status) { status.textContent = field.type === "text" ? reveal.dataset.shown : reveal.dataset.hidden; }
      }.bind(null, fields[i], button));
      fields[i].insertAdjacentElement("afterend", button);
    }
  }
  function shown(field, button, show) {
    field.type = show ? "text" : "password";
    button.textContent = show ? reveal.dataset.hide : reveal.dataset.show;
    button.setAttribute("aria-label", show ? reveal.dataset.hideLabel : reveal.dataset.showLabel);
  }
  document.addEventListener("submit", function (event) {
    var fields = event.target.querySelectorAll('input[data-reveal][type="text"]');
    for (var i = 0; i < fields.length; i++) { shown(fields[i], fields[i].nextElementSibling, false); }
  }, true);

  // A wait before a new code may be asked for counts down (its sentence comes in each plural
  // form of the page's language, "{n}" for the number), and until it ends the buttons it
  // describes say they wait: still focusable and read with the reason, pressing them does nothing.
  function countDown(hint) {
    var forms = JSON.parse(hint.dataset.forms);
    var rules = new Intl.PluralRules(document.documentElement.lang);
    var ends = Date.now() + parseInt(hint.dataset.count, 10) * 1000;
    var buttons = document.querySelectorAll('[aria-describedby~="' + hint.id + '"]');
    var waiting = function (on) {
      for (var i = 0; i < buttons.length; i++) {
        if (on) { buttons[i].setAttribute("aria-disabled", "true"); } else {
          buttons[i].removeAttribute("aria-disabled");
          buttons[i].removeAttribute("aria-describedby");
        }
      }
    };
    waiting(true);
    (function tick() {
      if (!document.body.contains(hint)) { return; }
      var left = Math.ceil((ends - Date.now()) / 1000);
      if (left <= 0) {
        hint.hidden = true;
        waiting(false);
        return;
      }
      hint.textContent = (forms[rules.select(left)] || forms.other).replace("{n}", left);
      setTimeout(tick, ends - Date.now() - (left - 1) * 1000);
    })();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest('button[aria-disabled="true"]')) { event.preventDefault(); }
  }, true);

  // Switching language loads the page again: what was typed in the step (passwords
  // aside: they are never kept anywhere) comes back on the page in the new language.
  var TYPED = "typed-before-switching-language";
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#languages a, #languages button")) { return; }
    var typed = {}, fields = document.querySelectorAll("#step input[id], #step select[id]");
    for (var i = 0; i < fields.length; i++) {
      var kind = fields[i].type;
      if (fields[i].value && !fields[i].dataset.reveal && kind !== "password" && kind !== "hidden" && kind !== "checkbox") {
        typed[fields[i].id] = fields[i].value;
      }
    }
    try { sessionStorage.setItem(TYPED, JSON.stringify({ page: location.pathname, typed: typed })); } catch (e) { /* private mode */ }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(TYPED));
      sessionStorage.removeItem(TYPED);
    } catch (e) { return; }
    if (!saved || saved.page !== location.pathname) { return; }
    for (var id in saved.typed) {
      var field = document.getElementById(id);
      if (field && field.closest("#step")) { field.value = saved.typed[id]; }
    }
  });

  // Times come in UTC ("12:03 UTC"); shown in the visitor's own time instead.
  function localTimes(root) {
    var times = root.querySelectorAll("time[data-local-time]");
    for (var i = 0; i < times.length; i++) {
      var moment = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(moment)) {
        times[i].textContent = moment.toLocaleTimeString([document.documentElement.lang], { hour: "2-digit", minute: "2-digit" });
      }
    }
  }
  // htmx:load comes for the page and for every piece htmx puts in, out of band included.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    localTimes(root);
    addReveals(root);
    var hints = root.querySelectorAll ? root.querySelectorAll("[data-count]") : [];
    for (var i = 0; i < hints.length; i++) { countDown(hints[i]); }
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* offline page only */ });
  }
})();
