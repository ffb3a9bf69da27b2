/*
 * Where the keyboard focus goes after the counter terminal draws itself. Separate because it
 * follows the officer's keyboard, not the queue: it keeps its own memory of the control last
 * used and listens to the whole document, and any drawing (the lists, the no-show countdown)
 * ends by asking it to put the focus back.
 */
(function () {
  "use strict";

  const T = window.AntrianTerminal;
  const view = T.view;
  const $ = T.$;

  // The button an officer pressed is disabled while its request runs, or drawn anew (a row of
  // the waiting list), and the browser then drops focus to <body>: a keyboard user would have
  // to Tab from the top again. After every drawing the focus goes back to the same control when
  // it can still be pressed, else to the next thing to do (Start after Call, Finish after Start,
  // Call next after Finish). A click on the page's background lets go of it on purpose.
  const NEXT_STEPS = ["call_next", "start", "finish", "recall", "no_show", "hold", "transfer"];
  let focusKept = null; // {node, id, className, ticket}: the control the officer was on

  document.addEventListener("focusin", function (event) {
    const node = event.target;
    if (!node || node === document.body || !node.matches) { return; }
    const row = node.closest("[data-ticket]");
    focusKept = { node: node, id: node.id, className: node.className,
                  ticket: row ? row.dataset.ticket : null };
  });
  document.addEventListener("pointerdown", function (event) {
    const target = event.target;
    if (!target.closest || !target.closest("button, a, input, select, textarea, [tabindex]")) {
      focusKept = null;
    }
  });

  function usable(node) {
    return !!node && node.isConnected && !node.disabled && node.getClientRects().length > 0;
  }

  function sameControl(kept) {
    if (usable(kept.node)) { return kept.node; }
    if (kept.id) { return usable($(kept.id)) ? $(kept.id) : null; }
    if (!kept.ticket || !kept.className) { return null; }
    // The same button of the same ticket, drawn again.
    const found = document.querySelector("[data-ticket=\"" + CSS.escape(kept.ticket) + "\"] ." +
      kept.className.trim().split(/\s+/).map(CSS.escape).join("."));
    return usable(found) ? found : null;
  }

  function nextStep() {
    for (let i = 0; i < NEXT_STEPS.length; i += 1) {
      const button = document.querySelector("button[data-action=\"" + NEXT_STEPS[i] + "\"]");
      if (usable(button)) { return button; }
    }
    return null;
  }

  function keepFocus() {
    if (!focusKept || view.signedOut || $("transfer-dialog").open) { return; }
    const active = document.activeElement;
    if (active && active !== document.body && usable(active)) { return; }
    const target = sameControl(focusKept) || nextStep();
    if (target) { target.focus(); }
    // Nothing can be pressed yet (a request runs): the next drawing tries again.
  }

  T.keepFocus = keepFocus;
})();
