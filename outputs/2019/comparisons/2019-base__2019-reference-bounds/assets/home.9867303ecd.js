/* The home page's city finder: any part of a city's name, case and the letter yo (U+0451) not minding, offline.
   The index of cities is in the page (<script type="application/json" id="city-index">: no
   fetch, so it works from file:// too); each entry: n (name), k (the name as compared), d (a
   line about the city), h (link to its page). The words come from the form's data-* attributes.
   Without this script the page lists every city in <details id="city-list">. */
(function () {
  "use strict";

  /* A text as the finder compares it: lower case, yo read as ye (U+0451 as U+0435), dashes as spaces, runs of
     spaces as one (the same rule as publishing/home.py's finder_key). */
  function normalise(text) {
    return String(text).toLowerCase().replace(/\u0451/g, "\u0435")
      .replace(/[-\u2010-\u2015]/g, " ").replace(/\s+/g, " ").trim();
  }

  /* The entries whose name contains the query anywhere: names that start with it first,
     then alphabetical; nothing for an empty query. */
  function match(entries, query) {
    var q = normalise(query);
    if (!q) return [];
    var found = entries.filter(function (e) { return e.k.indexOf(q) !== -1; });
    found.sort(function (a, b) {
      var sa = a.k.indexOf(q) === 0 ? 0 : 1, sb = b.k.indexOf(q) === 0 ? 0 : 1;
      return sa - sb || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
    });
    return found;
  }

  window.iqFinder = { normalise: normalise, match: match };

  var form = document.querySelector("form.finder");
  var data = document.getElementById("city-index");
  if (!form || !data) return;
  var entries = JSON.parse(data.textContent);
  var input = document.getElementById("city-query");
  var list = document.getElementById("city-results");
  var status = document.getElementById("city-status");
  var most = 30;
  form.hidden = false;

  function show() {
    var found = match(entries, input.value);
    list.textContent = "";
    if (!normalise(input.value)) { status.textContent = ""; return; }
    found.slice(0, most).forEach(function (e) {
      var li = document.createElement("li"), a = document.createElement("a"), span = document.createElement("span");
      a.href = e.h;
      a.textContent = e.n;
      span.className = "muted";
      span.textContent = " — " + e.d;
      li.appendChild(a);
      li.appendChild(span);
      list.appendChild(li);
    });
    if (!found.length) status.textContent = form.dataset.none;
    else if (found.length > most) status.textContent = form.dataset.more.replace("{shown}", most).replace("{n}", found.length);
    else status.textContent = form.dataset.found.replace("{n}", found.length);
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }

  input.addEventListener("input", show);
  form.addEventListener("submit", function (event) {   /* Enter opens the only match, else goes to the list */
    event.preventDefault();
    var all = links();
    if (all.length === 1) window.location.href = all[0].href;
    else if (all.length) all[0].focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) { event.preventDefault(); links()[0].focus(); }
  });
  list.addEventListener("keydown", function (event) {   /* arrows move through the results, Escape back to the field */
    var all = links(), at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) { event.preventDefault(); all[at + 1].focus(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? all[at - 1] : input).focus(); }
    else if (event.key === "Escape") { input.focus(); }
  });
  if (input.value) show();                              /* a query kept by the browser on "back" */
})();
