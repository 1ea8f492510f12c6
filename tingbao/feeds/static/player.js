// Progressive enhancement of the audio player: versions, speeds, chapter jumps, read-along.
// Without JavaScript the page still reads and plays through the plain <audio> element.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  if (!audio) { return; }
  var controls = document.querySelector(".player .controls");
  if (controls) { controls.hidden = false; }

  function press(group, chosen) {
    group.forEach(function (b) { b.setAttribute("aria-pressed", b === chosen ? "true" : "false"); });
  }

  var rateButtons = Array.prototype.slice.call(document.querySelectorAll("[data-rate]"));
  rateButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      audio.playbackRate = parseFloat(button.getAttribute("data-rate"));
      press(rateButtons, button);
    });
  });

  var versionButtons = Array.prototype.slice.call(document.querySelectorAll("[data-version]"));
  versionButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      var src = audio.getAttribute("data-" + button.getAttribute("data-version"));
      if (!src || audio.getAttribute("src") === src) { return; }
      // Keep the listener's place: the slow reading is longer, so carry the fraction played.
      var fraction = audio.duration ? audio.currentTime / audio.duration : 0;
      var playing = !audio.paused;
      var rate = audio.playbackRate;
      audio.setAttribute("src", src);
      audio.load();
      audio.addEventListener("loadedmetadata", function once() {
        audio.removeEventListener("loadedmetadata", once);
        audio.playbackRate = rate;
        if (audio.duration) { audio.currentTime = fraction * audio.duration; }
        if (playing) { audio.play().catch(function () {}); }
      });
      press(versionButtons, button);
    });
  });

  var chapters = Array.prototype.slice.call(document.querySelectorAll("a.chapter[data-start]"));
  chapters.forEach(function (link) {
    link.addEventListener("click", function () {
      audio.currentTime = parseFloat(link.getAttribute("data-start"));
      audio.play().catch(function () {});
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
  var normalDuration = 0;
  audio.addEventListener("loadedmetadata", function () {
    if (audio.getAttribute("src") === audio.getAttribute("data-normal")) {
      normalDuration = audio.duration;
    }
  });

  audio.addEventListener("timeupdate", function () {
    var t = audio.currentTime;
    var scale = normalDuration && audio.duration ? audio.duration / normalDuration : 1;
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
