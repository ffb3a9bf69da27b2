/* Pages without live data (kiosk not set up, unknown ticket): only the language toggle. */
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  // The server rendered the page in the language the address asked for (?lang=en).
  const i18n = AntrianI18n.create(labels, document.documentElement.lang || "id");
  document.getElementById("lang").addEventListener("click", function () {
    i18n.set(i18n.other());
  });
})();
