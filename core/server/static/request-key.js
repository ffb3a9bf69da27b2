/*
 * A new Idempotency-Key for a request that may be sent again (a double tap, a retry after a
 * lost reply): the server answers a key it has seen with the first answer. 16 random bytes
 * from crypto.getRandomValues, which plain-http LAN pages have too (crypto.randomUUID needs
 * a secure context), as hex after an optional prefix naming the device ("kiosk-K1-").
 */
(function (global) {
  "use strict";

  function newKey(prefix) {
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); });
    return (prefix || "") + hex.join("");
  }

  global.AntrianKeys = { newKey: newKey };
})(window);
