/* Pages without live data (kiosk not set up, unknown ticket): only the language toggle. */
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const i18n = AntrianI18n.create(labels, "id");
  document.getElementById("lang").addEventListener("click", function () {
    i18n.set(i18n.other());
  });
})();
