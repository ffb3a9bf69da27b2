/*
 * The live connection every Antrian page shares: the database is the truth, the socket a hint.
 *
 * On connect the server sends `snapshot` (the full state with its `version`). Every later event
 * carries the next version. An event at or below the version we hold is stale and dropped; an
 * event that skips a version means we missed something, so we ask for a fresh snapshot instead
 * of guessing. While disconnected the page is told "offline" and Socket.IO keeps retrying.
 *
 *   const live = AntrianLive.connect({
 *     auth: {token: "..."} or {ticket: "..."},
 *     onSnapshot(snapshot) {...}, onEvent(name, payload) {...},
 *     onStatus(state, detail) {...},   // "online" | "offline" | "refused" | "stale"
 *     versioned: false,                 // optional, see below
 *   });
 *
 * "stale": the socket is up, but the server says its link to the other server processes (the
 * message queue) is down, so what the page shows may lag behind (`live.status {ok: false}`).
 * The server keeps reading the database meanwhile and says `{ok: true}` once it caught up;
 * the page hears "online" again, with no snapshot needed.
 *
 * A visitor's ticket page ({ticket: id}) gets no snapshot, only its own ticket's events and
 * `queue.moved`; it re-reads its ticket on each, so it passes `versioned: false` to receive
 * every event as it comes.
 */
(function (global) {
  "use strict";

  const VERSIONED = /^(ticket|counter|printer|service|notice)\./;
  const QUIET = /^(snapshot|mall\.version|live\.status)$/; // handled here, not by the page
  const CATCH_UP_MS = 1500; // an event in flight closes a gap within this; a lost one does not

  function connect(options) {
    const onSnapshot = options.onSnapshot || function () {};
    const onEvent = options.onEvent || function () {};
    const onStatus = options.onStatus || function () {};
    const socket = global.io({
      auth: options.auth,
      // Websocket at once, never long-polling: a server of several processes behind one port
      // (`antrian serve --workers N`) would send a polling session's requests to different
      // processes, which do not know it. One connection, one process, no sticky sessions.
      transports: ["websocket"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    const live = { socket: socket, version: null, resyncing: false, stale: false };
    // Events that arrive before the first snapshot of a connection: kept, then replayed past
    // the snapshot's version, so a change committed while we connected is not lost.
    let early = [];

    function applySnapshot(snapshot) {
      if (!snapshot || snapshot.error) { return; }
      live.version = snapshot.version;
      live.resyncing = false;
      onSnapshot(snapshot);
      const held = early.sort(function (a, b) { return a.payload.version - b.payload.version; });
      early = [];
      held.forEach(function (item) { applyVersioned(item.name, item.payload); });
    }

    function applyVersioned(name, payload) {
      if (payload.version <= live.version) { return; }
      if (payload.version !== live.version + 1) { live.resync(); return; }
      live.version = payload.version;
      onEvent(name, payload);
    }

    live.resync = function () {
      if (live.resyncing || !socket.connected) { return; }
      live.resyncing = true;
      socket.timeout(5000).emit("snapshot", null, function (err, snapshot) {
        live.resyncing = false;
        if (err) { socket.disconnect().connect(); return; }
        applySnapshot(snapshot);
      });
    };

    socket.on("connect", function () { onStatus("online"); });
    socket.on("disconnect", function (reason) {
      // The next connection starts from its own snapshot.
      live.version = null;
      live.stale = false; // a new connection is told again
      early = [];
      onStatus("offline", reason);
    });
    socket.on("connect_error", function (err) {
      // A refused sign-in is final until someone fixes it; a network error is retried.
      if (socket.active) { onStatus("offline", err.message); }
      else { onStatus("refused", err.message); }
    });
    socket.on("snapshot", applySnapshot);
    // The server's periodic word on the mall's version (core/server/hub.py): behind it and no
    // event closes the gap within a moment (one lost while the message queue was down), ask
    // for a snapshot.
    let behind = null;
    socket.on("mall.version", function (payload) {
      if (!payload || typeof payload.version !== "number" || live.version === null) { return; }
      if (payload.version <= live.version || behind) { return; }
      behind = setTimeout(function () {
        behind = null;
        if (live.version !== null && live.version < payload.version) { live.resync(); }
      }, CATCH_UP_MS);
    });
    socket.on("live.status", function (payload) {
      if (!payload || typeof payload.ok !== "boolean" || payload.ok === !live.stale) { return; }
      live.stale = !payload.ok;
      onStatus(payload.ok ? "online" : "stale");
    });
    socket.on("session.ended", function () { onStatus("refused", "session ended"); });
    socket.onAny(function (name, payload) {
      if (options.versioned === false) {
        if (name !== "snapshot") { onEvent(name, payload); }
        return;
      }
      if (!VERSIONED.test(name) || !payload || typeof payload.version !== "number") {
        if (!VERSIONED.test(name) && !QUIET.test(name)) {
          onEvent(name, payload);
        }
        return;
      }
      if (live.version === null) { early.push({ name: name, payload: payload }); return; }
      applyVersioned(name, payload);
    });
    return live;
  }

  global.AntrianLive = { connect: connect };
})(window);
