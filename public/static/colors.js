/* Agency colours come from config.yaml; the policy forbids style attributes, so they are set
 * here through the CSSOM (without script the marks keep the default colour). */
(function () {
  "use strict";
  document.querySelectorAll("[data-color]").forEach(function (element) {
    const color = element.dataset.color;
    if (/^#[0-9a-fA-F]{6}$/.test(color)) { element.style.setProperty("--agency", color); }
  });
})();
