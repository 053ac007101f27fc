// Read aloud: a button before every excerpt reads it with the phone's own
// speech synthesis (the Web Speech API), a sentence at a time, marking the
// sentence being read; the bar at the foot of the page pauses, changes the
// speed and stops. Where the browser has no voice for the text's language,
// the button says so rather than doing nothing.
(function () {
  "use strict";
  var bar = document.getElementById("speak-bar");
  if (!bar) return;
  var synth = window.speechSynthesis;
  var words = bar.dataset;
  var now = bar.querySelector(".speak-now");
  var toggle = bar.querySelector(".speak-toggle");
  var rate = bar.querySelector(".speak-rate");
  var playing = null; // { sentences, index, voice, button }
  // Asking once starts the loading of the voices, so that they are there
  // by the time a button is tapped (a phone may speak only on the tap).
  if (synth) synth.getVoices();

  function language(text) { return /[\u3400-\u9fff]/.test(text) ? "zh" : "en"; }

  // The voices, once the browser has loaded them (some load them late,
  // some never: then there are none).
  function withVoices(then) {
    if (!synth) { then([]); return; }
    var voices = synth.getVoices();
    if (voices.length) { then(voices); return; }
    var answered = false;
    function answer() {
      if (answered) return;
      answered = true;
      then(synth.getVoices());
    }
    synth.addEventListener("voiceschanged", answer, { once: true });
    setTimeout(answer, 1500);
  }

  function voiceFor(voices, lang) {
    var fitting = voices.filter(function (v) { return v.lang.toLowerCase().indexOf(lang) === 0; });
    var preferred = fitting.filter(function (v) { return /^zh-cn|^en-/i.test(v.lang) && v.localService; });
    return preferred[0] || fitting[0] || null;
  }

  // The excerpt's text nodes cut at the ends of sentences and wrapped, so
  // that the sentence being read can be marked: a list of sentences, each
  // a list of spans. A new paragraph or cell always starts a sentence.
  function sentencesOf(article) {
    if (article.speakSentences) return article.speakSentences;
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) {
      if (walker.currentNode.nodeValue.trim()) nodes.push(walker.currentNode);
    }
    var sentences = [], current = [], block = null;
    nodes.forEach(function (node) {
      var owner = node.parentNode.closest("p, li, td, th, h1, h2, h3");
      if (owner !== block && current.length) { sentences.push(current); current = []; }
      block = owner;
      // Each piece ends a sentence, but for the last one of the node.
      var pieces = node.nodeValue.match(/[^。！？；!?;]+(?:[。！？；!?;]+["”’」』）)]?)?|[。！？；!?;]+["”’」』）)]?/g) || [];
      var fragment = document.createDocumentFragment();
      pieces.forEach(function (piece) {
        if (!piece) return;
        var span = document.createElement("span");
        span.className = "sentence";
        span.textContent = piece;
        fragment.appendChild(span);
        current.push(span);
        if (/[。！？；!?;]["”’」』）)]?\s*$/.test(piece)) { sentences.push(current); current = []; }
      });
      node.parentNode.replaceChild(fragment, node);
    });
    if (current.length) sentences.push(current);
    article.speakSentences = sentences;
    return sentences;
  }

  function mark(sentence, on) {
    (sentence || []).forEach(function (span) { span.classList.toggle("now", on); });
  }

  function finish() {
    if (playing) mark(playing.sentences[playing.index], false);
    playing = null;
    bar.hidden = true;
  }

  function next() {
    if (!playing) return;
    mark(playing.sentences[playing.index], false);
    playing.index += 1;
    if (playing.index >= playing.sentences.length) { finish(); return; }
    say();
  }

  function say() {
    var sentence = playing.sentences[playing.index];
    var text = sentence.map(function (span) { return span.textContent; }).join("");
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = playing.voice;
    utterance.lang = playing.voice.lang;
    utterance.rate = Number(rate.value) || 1;
    var mine = playing;
    utterance.onstart = function () { if (playing === mine) mark(sentence, true); };
    utterance.onend = function () { if (playing === mine) next(); };
    utterance.onerror = function (event) {
      if (playing !== mine || event.error === "interrupted" || event.error === "canceled") return;
      var button = mine.button;
      finish();
      unavailable(button);
    };
    synth.speak(utterance);
  }

  function unavailable(button) {
    button.textContent = words.unavailable;
    button.setAttribute("aria-disabled", "true");
    var note = button.nextElementSibling;
    if (!note || !note.classList.contains("speak-note")) {
      note = document.createElement("p");
      note.className = "speak-note";
      note.setAttribute("role", "status");
      button.parentNode.insertBefore(note, button.nextSibling);
    }
    note.textContent = words.noVoice;
  }

  function start(button, article, label) {
    if (button.getAttribute("aria-disabled") === "true") return;
    withVoices(function (voices) {
      var voice = voiceFor(voices, language(article.textContent));
      if (!voice) { unavailable(button); return; }
      if (playing) { stopSpeaking(); mark(playing.sentences[playing.index], false); }
      playing = { sentences: sentencesOf(article), index: 0, voice: voice, button: button };
      if (!playing.sentences.length) { finish(); return; }
      now.textContent = words.reading + (label ? " · " + label : "");
      toggle.textContent = words.pause;
      bar.hidden = false;
      say();
    });
  }

  // A paused voice must be resumed before it can be cancelled.
  function stopSpeaking() {
    if (!synth) return;
    if (synth.paused) synth.resume();
    synth.cancel();
  }

  toggle.addEventListener("click", function () {
    if (!playing || !synth) return;
    if (synth.paused) { synth.resume(); toggle.textContent = words.pause; }
    else { synth.pause(); toggle.textContent = words.resume; }
  });
  bar.querySelector(".speak-stop").addEventListener("click", function () {
    var mine = playing;
    finish();
    if (mine) stopSpeaking();
  });
  window.addEventListener("pagehide", stopSpeaking);

  Array.prototype.forEach.call(document.querySelectorAll("article.excerpt"), function (article) {
    var labelled = article.querySelector(".label");
    var label = labelled ? labelled.textContent.trim() : "";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "speak";
    button.textContent = words.speak;
    if (label) button.setAttribute("aria-label", words.speak + " " + label);
    button.addEventListener("click", function () { start(button, article, label); });
    article.parentNode.insertBefore(button, article);
  });
})();
