/* learn-habitat package runtime: one SCO for the whole course.
 * Finds the LMS API as each standard says, restores where the learner was, and reports
 * progress, completion, score and success. Without an LMS the course still works on its own
 * (progress is then kept in this browser's localStorage). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("lh-config").textContent);
  var is2004 = config.api === "2004";
  var lessons = config.lessons;
  var quizIds = lessons.filter(function (id) { return Object.prototype.hasOwnProperty.call(config.quizzes, id); });
  var frame = document.getElementById("lh-lesson");
  var progressBar = document.getElementById("lh-progress");
  var storageKey = "learn-habitat:" + config.course + ":" + config.version + ":" + config.api;
  var startedAt = Date.now();
  var state = { visited: {}, quizzes: {} }; // quizzes: id -> {best: 0..100, attempts: n}
  var api = null;
  var finished = false;
  var unsavedVisits = 0;
  var reportedComplete = false;
  var COMMIT_EVERY_VISITS = 5;

  var names = is2004 ? {
    initialize: "Initialize", terminate: "Terminate", get: "GetValue", set: "SetValue", commit: "Commit",
    location: "cmi.location", entry: "cmi.entry", exit: "cmi.exit", sessionTime: "cmi.session_time",
    raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max"
  } : {
    initialize: "LMSInitialize", terminate: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
    location: "cmi.core.lesson_location", entry: "cmi.core.entry", exit: "cmi.core.exit",
    sessionTime: "cmi.core.session_time", raw: "cmi.core.score.raw", min: "cmi.core.score.min",
    max: "cmi.core.score.max"
  };

  // --- Finding the API (SCORM 1.2 RTE 3.3.6.1; SCORM 2004 RTE 3.1.5.2) --------------------------
  function searchUp(win, property) {
    for (var tries = 0; win && tries < 500; tries += 1) {
      try {
        if (win[property]) { return win[property]; }
      } catch (ignored) { return null; } // another origin: stop looking upwards
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findApi() {
    var property = is2004 ? "API_1484_11" : "API";
    var found = searchUp(window, property);
    try {
      if (!found && window.opener) { found = searchUp(window.opener, property); }
      if (!found && window.top && window.top.opener) { found = searchUp(window.top.opener, property); }
    } catch (ignored) { /* an opener on another origin */ }
    return found;
  }

  function call(method, a, b) {
    if (!api) { return ""; }
    try { return String(api[names[method]](a, b)); } catch (error) { return ""; }
  }
  function getValue(element) { return call("get", element); }
  function setValue(element, value) { return call("set", element, String(value)); }
  function commit() { unsavedVisits = 0; if (api) { call("commit", ""); } else { saveLocally(); } }

  // --- Compact suspend data: "v1;<visited bits in hex>;<quiz>.<best>.<attempts>,..." --------------
  function encodeState() {
    var hex = "";
    for (var i = 0; i < lessons.length; i += 4) {
      var nibble = 0;
      for (var bit = 0; bit < 4; bit += 1) {
        if (state.visited[lessons[i + bit]]) { nibble |= 1 << bit; }
      }
      hex += nibble.toString(16);
    }
    var quizzes = quizIds.filter(function (id) { return state.quizzes[id]; }).map(function (id) {
      var entry = state.quizzes[id];
      return lessons.indexOf(id).toString(36) + "." + entry.best.toString(36) + "." + entry.attempts.toString(36);
    });
    return "v1;" + hex + ";" + quizzes.join(",");
  }

  function decodeState(text) {
    var parts = String(text || "").split(";");
    if (parts[0] !== "v1" || parts.length !== 3) { return; }
    for (var i = 0; i < parts[1].length; i += 1) {
      var nibble = parseInt(parts[1].charAt(i), 16);
      for (var bit = 0; bit < 4; bit += 1) {
        var lesson = lessons[i * 4 + bit];
        if (lesson && nibble & (1 << bit)) { state.visited[lesson] = true; }
      }
    }
    parts[2].split(",").forEach(function (entry) {
      var fields = entry.split(".");
      var lesson = lessons[parseInt(fields[0], 36)];
      if (fields.length === 3 && lesson && quizIds.indexOf(lesson) >= 0) {
        state.quizzes[lesson] = { best: Math.min(100, parseInt(fields[1], 36) || 0), attempts: parseInt(fields[2], 36) || 0 };
      }
    });
  }

  function saveLocally() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ data: encodeState(), location: state.location || "" }));
    } catch (ignored) { /* storage may be off: the course still works */ }
  }

  function loadLocally() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved) { decodeState(saved.data); return saved.location; }
    } catch (ignored) { /* nothing saved */ }
    return "";
  }

  // --- What the learner has achieved ---------------------------------------------------------------
  function lessonDone(id) {
    if (quizIds.indexOf(id) < 0) { return !!state.visited[id]; }
    var entry = state.quizzes[id];
    return !!entry && entry.best >= config.quizzes[id].passMark;
  }

  function averageScore() {
    if (!quizIds.length) { return null; }
    var total = 0;
    quizIds.forEach(function (id) { total += state.quizzes[id] ? state.quizzes[id].best : 0; });
    return total / quizIds.length;
  }

  function allQuizzesTried() {
    return quizIds.every(function (id) { return state.quizzes[id] && state.quizzes[id].attempts > 0; });
  }

  function quizzesSucceed() {
    if (config.completion.rule === "quiz-average") { return averageScore() >= config.completion.min_average; }
    return quizIds.every(lessonDone);
  }

  function courseComplete() {
    var allSeen = lessons.every(function (id) { return state.visited[id]; });
    if (config.completion.rule === "quiz-average") { return allSeen && allQuizzesTried() && quizzesSucceed(); }
    return lessons.every(lessonDone);
  }

  function report() {
    var done = lessons.filter(lessonDone).length;
    var complete = courseComplete();
    if (progressBar) { progressBar.value = Math.round((100 * done) / lessons.length); }
    var score = averageScore();
    var tried = quizIds.some(function (id) { return state.quizzes[id]; });
    if (score !== null && tried) {
      setValue(names.raw, Math.round(score * 100) / 100);
      if (is2004) { setValue("cmi.score.scaled", Math.round(score * 100) / 10000); }
    }
    var success = quizIds.length === 0 ? (complete ? "passed" : "unknown")
      : allQuizzesTried() ? (quizzesSucceed() ? "passed" : "failed") : "unknown";
    if (is2004) {
      setValue("cmi.progress_measure", Math.round((1000 * done) / lessons.length) / 1000);
      setValue("cmi.completion_status", complete ? "completed" : "incomplete");
      setValue("cmi.success_status", success);
    } else {
      var status = "incomplete";
      if (complete) { status = quizIds.length ? "passed" : "completed"; }
      else if (success === "failed" && lessons.every(function (id) { return state.visited[id]; })) { status = "failed"; }
      setValue("cmi.core.lesson_status", status);
    }
    if (complete && !reportedComplete) { reportedComplete = true; return true; }
    return false;
  }

  // --- Events ----------------------------------------------------------------------------------------
  function lessonShown() {
    var id;
    try { id = frame.contentDocument && frame.contentDocument.body && frame.contentDocument.body.getAttribute("data-lesson"); } catch (ignored) { id = null; }
    if (!id || lessons.indexOf(id) < 0) { return; }
    state.location = id;
    setValue(names.location, id);
    var isNew = !state.visited[id];
    state.visited[id] = true;
    setValue("cmi.suspend_data", encodeState());
    if (isNew) { unsavedVisits += 1; }
    var justCompleted = report();
    // Commit at sensible points: the course just became complete, or every few new lessons.
    if (justCompleted || unsavedVisits >= COMMIT_EVERY_VISITS) { commit(); } else if (!api) { saveLocally(); }
  }

  function recordQuiz(id, percent) {
    if (quizIds.indexOf(id) < 0) { return; }
    var entry = state.quizzes[id] || { best: 0, attempts: 0 };
    entry.attempts += 1;
    entry.best = Math.max(entry.best, Math.max(0, Math.min(100, Math.round(percent))));
    state.quizzes[id] = entry;
    state.visited[id] = true;
    setValue("cmi.suspend_data", encodeState());
    report();
    commit();
  }

  function attemptsUsed(id) { return state.quizzes[id] ? state.quizzes[id].attempts : 0; }

  function sessionTime() {
    var seconds = Math.max(0, (Date.now() - startedAt) / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = (seconds % 60).toFixed(2);
    if (is2004) { return "PT" + hours + "H" + minutes + "M" + rest + "S"; }
    var pad = function (value, size) { value = String(value); while (value.length < size) { value = "0" + value; } return value; };
    return pad(Math.min(hours, 9999), 2) + ":" + pad(minutes, 2) + ":" + pad(rest, 5);
  }

  function finish() {
    if (finished) { return; }
    finished = true;
    if (!api) { saveLocally(); return; }
    var complete = courseComplete();
    setValue(names.sessionTime, sessionTime());
    setValue(names.exit, complete ? (is2004 ? "normal" : "") : "suspend");
    call("terminate", "");
  }

  // --- Start -------------------------------------------------------------------------------------------
  function start() {
    api = findApi();
    var resumeAt = "";
    if (api) {
      call("initialize", "");
      var entry = getValue(names.entry);
      // 2004 answers an error for elements never set, so read them only on a resumed attempt.
      if (!is2004 || entry === "resume") {
        decodeState(getValue("cmi.suspend_data"));
        resumeAt = getValue(names.location);
      }
      if (quizIds.length) { setValue(names.min, 0); setValue(names.max, 100); }
      reportedComplete = courseComplete();
      report();
    } else {
      resumeAt = loadLocally();
    }
    var first = lessons.indexOf(resumeAt) >= 0 ? resumeAt : frame.getAttribute("data-first");
    frame.addEventListener("load", lessonShown);
    frame.src = first + ".html";
    window.addEventListener("pagehide", finish);
    window.addEventListener("unload", finish);
  }

  window.LHRuntime = { recordQuiz: recordQuiz, attemptsUsed: attemptsUsed, state: function () { return encodeState(); } };
  start();
}());
