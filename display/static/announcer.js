/*
 * The announcer, for display.js: says every call and recall aloud, in arrival order, one at a
 * time.
 *
 * Each gets a chime (generated with WebAudio), then the phrase the server built
 * (`announcement.speech`), spoken by the browser's Indonesian voice if it has one, else by the
 * server's espeak-ng WAV, else written under the number for a fixed time. Each step has a
 * safety timeout, so a stuck voice never blocks the queue.
 *
 * It is apart from the screen because it runs on the sound's time, not the board's: it waits
 * on chimes, voices and timers while events keep changing the board. It asks the page only
 * whether a call is still current (a call whose counter moved on is not said) and tells it when
 * the call being said changes, so the big number can follow.
 */
(function () {
  "use strict";

  const MISSED_CALL_SECONDS = 60;    // calls found by a resync younger than this are announced
  const CHIME_MS = 1900;
  const CHIME_TIMEOUT_MS = 4000;
  const VOICE_START_TIMEOUT_MS = 8000;
  const GAP_MS = 500;
  const TEXT_HOLD_MS = 4000;

  const $ = (id) => document.getElementById(id);
  const now = () => performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Set by init: the page's config, and isCurrent(call), render() and flash() from display.js.
  let page = null;
  let config = null;

  // The announcements: `current` is being said, `queue` waits its turn.
  const announcer = { queue: [], busy: false, spoken: [], history: [], current: null };
  let audioContext = null;

  function init(options) {
    page = options;
    config = options.config;
    if ("speechSynthesis" in window) {
      window.speechSynthesis.getVoices(); // voices load lazily; ask early
    }
  }

  function announce(call) {
    announcer.queue.push({
      call: call, phrase: call.speech, text: call.text, number: call.number,
      counter: call.counter, recall: Boolean(call.recall), queuedAt: now(),
    });
    if (!announcer.busy) { runQueue(); }
  }

  // Calls made while the screen was away (a gap or a reconnect) are still worth saying if
  // fresh: those of `calls` (newest first) past version `previous`, oldest first.
  function announceMissed(calls, previous, serverNow) {
    calls
      .filter((c) => typeof c.version === "number" && c.version > previous)
      .filter((c) => serverNow - Date.parse(c.at) < MISSED_CALL_SECONDS * 1000)
      .reverse()
      .forEach(announce);
  }

  function logEntry(item, mode) {
    const entry = {
      phrase: item.phrase, number: item.number, counter: item.counter, recall: item.recall,
      mode: mode, chime: null, queuedAt: item.queuedAt, chimeAt: null, startedAt: null,
      endedAt: null,
    };
    announcer.history.push(entry);
    if (announcer.history.length > 50) { announcer.history.shift(); }
    return entry;
  }

  async function runQueue() {
    announcer.busy = true;
    try {
      while (announcer.queue.length) {
        const item = announcer.queue.shift();
        if (!page.isCurrent(item.call)) {
          // Its counter moved on while it waited: calling it now would send someone to a
          // counter that no longer expects them.
          logEntry(item, "skipped");
          continue;
        }
        item.stopped = new Promise((resolve) => { item.stop = resolve; });
        announcer.current = item;
        page.render();
        page.flash();
        try {
          await playOne(item);
        } catch (err) {
          console.warn("announcement failed", err);
        }
        $("now-text").hidden = true;
        announcer.current = null;
        page.render();
        await sleep(GAP_MS);
      }
    } finally {
      announcer.busy = false;
    }
  }

  // The call being said stopped being current (finished, transferred, the counter left):
  // stop saying it, and let the next one come.
  function stopStale() {
    const item = announcer.current;
    if (item && item.stop && !item.interrupted && !page.isCurrent(item.call)) {
      item.interrupted = true;
      item.stop();
    }
  }

  // The numbers went stale: calls still waiting would announce what may no longer be true.
  function dropQueue() {
    announcer.queue.length = 0;
  }

  async function playOne(item) {
    const entry = logEntry(item, null);
    item.stopped.then(() => { entry.interrupted = true; });
    entry.chimeAt = now();
    entry.chime = await Promise.race([
      chime(), sleep(CHIME_TIMEOUT_MS).then(() => false), item.stopped.then(() => null),
    ]);
    if (item.interrupted) { entry.endedAt = now(); return; }
    $("now-text").hidden = true;
    let mode = chooseMode();
    let voiced = false;
    if (mode === "browser") {
      voiced = await speakInBrowser(item, entry);
      if (!voiced && config.serverSpeech) { mode = "server"; }
    }
    if (mode === "server" && !voiced && !item.interrupted) {
      voiced = await playServerVoice(item, entry);
    }
    entry.mode = voiced ? mode : "text";
    if (!voiced && !item.interrupted) {
      const caption = $("now-text");
      caption.textContent = item.text;
      caption.hidden = false;
      entry.startedAt = now();
      await Promise.race([sleep(TEXT_HOLD_MS), item.stopped]);
      caption.hidden = true; // the written call leaves when its announcement ends
    }
    entry.endedAt = now();
  }

  function started(item, entry) {
    if (entry.startedAt !== null) { return; }
    entry.startedAt = now();
    announcer.spoken.push(item.phrase);
  }

  function indonesianVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    const voices = window.speechSynthesis.getVoices();
    return voices.find((v) => /^id([-_]|$)/i.test(v.lang) && v.localService)
      || voices.find((v) => /^id([-_]|$)/i.test(v.lang)) || null;
  }

  function chooseMode() {
    const hasSynth = "speechSynthesis" in window;
    switch (config.voice) {
      case "off": return "text";
      case "server": return config.serverSpeech ? "server" : "text";
      case "browser": return hasSynth ? "browser" : "text";
      default:
        if (hasSynth && indonesianVoice()) { return "browser"; }
        return config.serverSpeech ? "server" : "text";
    }
  }

  function speakInBrowser(item, entry) {
    return new Promise((resolve) => {
      const synth = window.speechSynthesis;
      const utterance = new SpeechSynthesisUtterance(item.phrase);
      utterance.lang = "id-ID";
      const voice = indonesianVoice();
      if (voice) { utterance.voice = voice; }
      utterance.rate = 0.9;
      let done = false;
      let timer = null;
      const finish = () => {
        if (done) { return; }
        done = true;
        clearTimeout(timer);
        resolve(entry.startedAt !== null);
      };
      utterance.onstart = () => {
        started(item, entry);
        clearTimeout(timer);
        // Chrome sometimes never fires `end`: give up after a generous reading time.
        timer = setTimeout(() => { synth.cancel(); finish(); }, 4000 + item.phrase.length * 150);
      };
      utterance.onend = finish;
      utterance.onerror = finish;
      item.stopped.then(() => { if (!done) { synth.cancel(); finish(); } });
      timer = setTimeout(() => { synth.cancel(); finish(); }, VOICE_START_TIMEOUT_MS);
      synth.cancel();
      synth.speak(utterance);
    });
  }

  function playServerVoice(item, entry) {
    return new Promise((resolve) => {
      const audio = $("voice");
      const query = new URLSearchParams({ number: item.number, counter: String(item.counter) });
      let done = false;
      let timer = null;
      const arm = (ms) => { clearTimeout(timer); timer = setTimeout(finish, ms); };
      const onPlaying = () => {
        started(item, entry);
        if (Number.isFinite(audio.duration)) { arm(audio.duration * 1000 + 3000); }
      };
      function finish() {
        if (done) { return; }
        done = true;
        clearTimeout(timer);
        audio.removeEventListener("playing", onPlaying);
        audio.removeEventListener("ended", finish);
        audio.removeEventListener("error", finish);
        audio.pause();
        resolve(entry.startedAt !== null);
      }
      audio.addEventListener("playing", onPlaying);
      audio.addEventListener("ended", finish);
      audio.addEventListener("error", finish);
      item.stopped.then(finish);
      arm(VOICE_START_TIMEOUT_MS);
      audio.src = config.speechUrl + "?" + query.toString();
      const playing = audio.play();
      if (playing) { playing.catch(finish); }
    });
  }

  function chime() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return Promise.resolve(false); }
    try {
      audioContext = audioContext || new Context();
    } catch (err) {
      return Promise.resolve(false);
    }
    const context = audioContext;
    const ready = context.state === "suspended" ? context.resume() : Promise.resolve();
    return ready.then(() => {
      if (context.state !== "running") { return false; }
      const start = context.currentTime + 0.05;
      // A falling three-note bell, G5 E5 C5, each with a soft octave overtone.
      [[784, 0], [659, 0.45], [523, 0.9]].forEach(([frequency, offset]) => {
        tone(context, frequency, start + offset, 0.3);
        tone(context, frequency * 2, start + offset, 0.06);
      });
      return sleep(CHIME_MS).then(() => true);
    });
  }

  function tone(context, frequency, at, volume) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(volume, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 1.1);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 1.2);
  }

  // ---------------------------------------------------------------- what the page reads
  // The call being said, while there is one.
  function currentCall() { return announcer.current ? announcer.current.call : null; }

  // The calls still waiting for their turn, in order: the screen holds them back.
  function waitingCalls() { return announcer.queue.map((item) => item.call); }

  // For the read-only hook: display.js hands out copies only.
  function log() {
    return {
      announcing: announcer.current ? announcer.current.phrase : null,
      queued: announcer.queue.map((item) => item.phrase),
      announcements: announcer.history,
    };
  }

  window.AntrianAnnouncer = Object.freeze({
    init: init,
    announce: announce,
    announceMissed: announceMissed,
    stopStale: stopStale,
    dropQueue: dropQueue,
    busy: () => announcer.busy,
    spoken: () => announcer.spoken.slice(),
    currentCall: currentCall,
    waitingCalls: waitingCalls,
    log: log,
  });
})();
