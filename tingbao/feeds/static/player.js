// Progressive enhancement of the audio player: a big play button, versions, speeds, chapter
// jumps, read-along. Without JavaScript the page still reads and plays through the plain <audio>.
//
// In-app browsers (WeChat's above all) shape this script: audio starts only on a tap, nothing
// reads the audio's duration before the listener has started it (iOS loads nothing before a tap),
// and where playbackRate cannot be set, or is set but does not slow the sound, "慢一点" switches
// to the slow reading, which is published as its own MP3.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  if (!audio) { return; }
  var controls = document.querySelector(".player .controls");
  if (controls) { controls.hidden = false; }
  var start = document.querySelector(".player .start");
  if (start) { start.hidden = false; }
  var status = document.querySelector(".player .status");

  function press(group, chosen) {
    group.forEach(function (b) { b.setAttribute("aria-pressed", b === chosen ? "true" : "false"); });
  }

  function say(key) {
    if (status) { status.textContent = key ? status.getAttribute("data-" + key) || "" : ""; }
  }

  function loaded() { return audio.readyState >= 1 && isFinite(audio.duration) && audio.duration > 0; }

  function play() {
    var started = audio.play();
    if (started && started.catch) { started.catch(function () {}); }
  }

  // Seek once the audio knows its length; before the first tap it knows nothing yet.
  function seekTo(seconds) {
    if (audio.readyState >= 1) { audio.currentTime = seconds; return; }
    audio.addEventListener("loadedmetadata", function once() {
      audio.removeEventListener("loadedmetadata", once);
      audio.currentTime = seconds;
    });
  }

  // The big play button: the one clear thing to tap.
  var playButton = start ? start.querySelector(".play") : null;
  if (playButton) {
    var icon = playButton.querySelector(".icon");
    var label = playButton.querySelector(".label");
    var playText = label ? label.textContent : "";
    var showState = function () {
      var playing = !audio.paused && !audio.ended;
      if (icon) { icon.textContent = playing ? "❚❚" : "▶"; }
      if (label) { label.textContent = playing ? playButton.getAttribute("data-pause") : playText; }
    };
    playButton.addEventListener("click", function () {
      if (audio.paused || audio.ended) { play(); } else { audio.pause(); }
    });
    ["play", "playing", "pause", "ended", "emptied"].forEach(function (name) {
      audio.addEventListener(name, showState);
    });
  }

  // Versions: the normal and the slow reading are separate files.
  var versionButtons = Array.prototype.slice.call(document.querySelectorAll("[data-version]"));
  var rate = 1; // the speed the audio really plays at (1 once playbackRate proved broken)

  function setRate(value) {
    // Some browsers throw, some ignore the value: report whether it took.
    try { audio.playbackRate = value; } catch (e) { return false; }
    return Math.abs(audio.playbackRate - value) < 0.01;
  }

  function switchVersion(version) {
    var src = audio.getAttribute("data-" + version);
    var button = versionButtons.filter(function (b) {
      return b.getAttribute("data-version") === version;
    })[0];
    if (button) { press(versionButtons, button); }
    if (!src || audio.getAttribute("src") === src) { return; }
    // Keep the listener's place: the slow reading is longer, so carry the fraction played.
    var fraction = loaded() ? audio.currentTime / audio.duration : 0;
    var playing = !audio.paused && !audio.ended;
    audio.setAttribute("src", src);
    audio.load();
    audio.addEventListener("loadedmetadata", function once() {
      audio.removeEventListener("loadedmetadata", once);
      setRate(rate);
      if (fraction > 0 && loaded()) { audio.currentTime = fraction * audio.duration; }
    });
    if (playing) { play(); }
  }

  versionButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      say("");
      switchVersion(button.getAttribute("data-version"));
    });
  });

  // Speeds: playbackRate where it works, else the slow reading for "慢一点".
  var rateButtons = Array.prototype.slice.call(document.querySelectorAll("[data-rate]"));
  var normalRate = rateButtons.filter(function (b) {
    return parseFloat(b.getAttribute("data-rate")) === 1;
  })[0];
  var rateBroken = false;
  var hasSlow = !!audio.getAttribute("data-slow");

  function fallBack(wanted, button) {
    rateBroken = true;
    rate = 1;
    setRate(1);
    if (wanted < 1 && hasSlow) {
      press(rateButtons, button);
      switchVersion("slow");
      say("to-slow");
    } else if (wanted === 1 && hasSlow) {
      press(rateButtons, button);
      if (audio.getAttribute("src") !== audio.getAttribute("data-normal")) {
        switchVersion("normal");
        say("to-normal");
      } else {
        say("");
      }
    } else {
      press(rateButtons, normalRate);
      say("unsupported");
    }
  }

  // A browser may accept playbackRate and still play at normal speed: time it while it plays
  // (media seconds against clock seconds) and fall back when the sound did not slow down.
  var watch = null;

  function resetWatch() {
    if (watch) { watch.since = null; }
  }

  function checkWatch() {
    if (!watch || audio.paused || audio.seeking) { return; }
    var now = window.performance ? performance.now() : Date.now();
    if (watch.since === null) {
      watch.since = now;
      watch.from = audio.currentTime;
      return;
    }
    var wall = (now - watch.since) / 1000;
    if (wall < 1.5) { return; }
    var speed = (audio.currentTime - watch.from) / wall;
    var wanted = watch.rate;
    var button = watch.button;
    watch = null;
    if (Math.abs(speed - 1) < Math.abs(speed - wanted)) { fallBack(wanted, button); }
  }

  ["pause", "seeking", "waiting", "emptied", "ratechange"].forEach(function (name) {
    audio.addEventListener(name, resetWatch);
  });
  audio.addEventListener("timeupdate", checkWatch);

  rateButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var wanted = parseFloat(button.getAttribute("data-rate"));
      if (rateBroken || !setRate(wanted)) {
        fallBack(wanted, button);
        return;
      }
      rate = wanted;
      say("");
      press(rateButtons, button);
      watch = wanted === 1 ? null : { rate: wanted, button: button, since: null, from: 0 };
    });
  });

  var chapters = Array.prototype.slice.call(document.querySelectorAll("a.chapter[data-start]"));
  chapters.forEach(function (link) {
    link.addEventListener("click", function () {
      seekTo(parseFloat(link.getAttribute("data-start")));
      play();
      // The link's own jump to the article text still happens.
    });
  });

  // Read-along: highlight the paragraph whose text holds the cue being spoken.
  var blocks = Array.prototype.slice.call(document.querySelectorAll(".read"));
  var cues = [];
  var current = null;

  function squeeze(text) { return text.replace(/[\s\u3000]+/g, ""); }

  function parseTime(text) {
    var parts = text.trim().split(":").map(parseFloat);
    var seconds = 0;
    parts.forEach(function (p) { seconds = seconds * 60 + p; });
    return seconds;
  }

  function parseVtt(body) {
    var found = [];
    body.replace(/\r/g, "").split(/\n\n+/).forEach(function (block) {
      var lines = block.split("\n");
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].indexOf("-->") >= 0) {
          var times = lines[i].split("-->");
          var text = squeeze(lines.slice(i + 1).join("").replace(/<[^>]*>/g, ""));
          if (text) {
            found.push({ start: parseTime(times[0]), end: parseTime(times[1].trim().split(/\s/)[0]),
                         text: text });
          }
          break;
        }
      }
    });
    return found;
  }

  function blockFor(text) {
    var probe = text.slice(0, 12);
    for (var i = 0; i < blocks.length; i++) {
      if (squeeze(blocks[i].textContent).indexOf(probe) >= 0) { return blocks[i]; }
    }
    return null;
  }

  function loadCues(url) {
    if (!url || !window.fetch) { return; }
    fetch(url).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (body) { cues = parseVtt(body); })
      .catch(function () { cues = []; });
  }

  function highlight(block) {
    if (block === current) { return; }
    if (current) { current.classList.remove("reading"); }
    current = block;
    if (block) {
      block.classList.add("reading");
      var rect = block.getBoundingClientRect();
      if (rect.top < 0 || rect.bottom > window.innerHeight) {
        block.scrollIntoView({ block: "center", behavior: "smooth" });
      }
    }
  }

  // The transcript is timed for the normal reading; the slow one is the same text stretched.
  // The page states the normal reading's length, so the slow one can be first to play.
  var normalDuration = parseFloat(audio.getAttribute("data-normal-s")) || 0;
  audio.addEventListener("loadedmetadata", function () {
    if (audio.getAttribute("src") === audio.getAttribute("data-normal") && loaded()) {
      normalDuration = audio.duration;
    }
  });

  audio.addEventListener("timeupdate", function () {
    var t = audio.currentTime;
    var scale = normalDuration && loaded() ? audio.duration / normalDuration : 1;
    var spoken = t / scale;
    var cue = null;
    for (var i = 0; i < cues.length; i++) {
      if (cues[i].start <= spoken && spoken < cues[i].end) { cue = cues[i]; break; }
    }
    highlight(cue ? blockFor(cue.text) : null);
    var active = null;
    chapters.forEach(function (link) {
      if (parseFloat(link.getAttribute("data-start")) <= t + 0.01) { active = link; }
    });
    chapters.forEach(function (link) {
      if (link === active) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
  });

  loadCues(audio.getAttribute("data-vtt"));
}());
