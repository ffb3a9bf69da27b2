/* Device setup (/kiosk/setup#TOKEN, /display/setup#TOKEN): hands the token from the address's
 * fragment to the server, which keeps it in this browser's session cookie, then opens the page.
 * A file of its own (not an inline script) so the Content-Security-Policy can forbid inline code. */
(async function () {
  "use strict";
  const config = JSON.parse(document.getElementById("setup-config").textContent);
  const message = document.getElementById("message");
  const token = decodeURIComponent(location.hash.slice(1));
  // Drop the token from the address bar and history at once.
  history.replaceState(null, "", location.pathname);
  try {
    const response = await fetch(config.session_url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }), credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) { throw new Error(body.error ? body.error.message : response.statusText); }
    location.replace(config.next_url);
  } catch (err) {
    message.className = "error";
    message.textContent = "Gagal memasang perangkat / Setup failed: " + err.message;
  }
})();
