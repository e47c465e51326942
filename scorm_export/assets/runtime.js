/* learn-habitat package runtime: one SCO for the whole course.
 * Finds the LMS API as each standard says, honours the launch mode (normal, review, browse), restores where the
 * learner was, and reports progress, completion, score, success, one objective per quiz and one interaction per
 * answered question. It never writes a value that lowers what the LMS already holds, and in review and browse
 * it writes nothing at all. Without an LMS the course still works on its own (progress is then kept in this
 * browser). Lesson pages talk to this page only through postMessage: opened from disk (file://), Chromium
 * gives every file its own origin and blocks any other way between the frames. */
(function () {
  "use strict";

  // Found by tag as well as id: the launch page holds no author HTML, but nothing is left to chance.
  var config = JSON.parse(document.querySelector("script#lh-config[type='application/json']").textContent);
  var is2004 = config.api === "2004";
  var lessons = config.lessons;
  var quizIds = lessons.filter(function (id) { return Object.prototype.hasOwnProperty.call(config.quizzes, id); });
  var checklists = config.checklists || {};
  var checklistIds = lessons.filter(function (id) { return Object.prototype.hasOwnProperty.call(checklists, id); });
  var frame = document.querySelector("iframe#lh-lesson");
  var progressBar = document.querySelector("progress#lh-progress");
  var modeNote = document.querySelector("header.shell-header > p.shell-mode");
  var contents = document.querySelector("header.shell-header > nav > details.shell-contents");
  var storageKey = "learn-habitat:" + config.course + ":" + config.version + ":" + config.api;
  var startedAt = Date.now();
  // quizzes: id -> {best: 0..100, attempts: n}; checklists: id -> answers, one character per statement
  var state = { visited: {}, quizzes: {}, checklists: {}, location: "" };
  var api = null;
  var mode = "normal"; // review and browse: show everything, write nothing
  var writable = false; // an LMS in normal mode
  var record = { completion: "", success: "", status: "", raw: null, progress: null }; // what the LMS holds
  var written = {};
  var objectiveIndex = {};
  var interactionCount = 0;
  var finished = false;
  var unsavedVisits = 0;
  var reportedComplete = false;
  var focusLessonOnShow = false;
  var COMMIT_EVERY_VISITS = 5;
  // SCORM 2004 guarantees room for 250 interactions (RTE 4.2.9); 1.2 names no limit, so the same is kept.
  var MOST_INTERACTIONS = 250;

  var names = is2004 ? {
    initialize: "Initialize", terminate: "Terminate", get: "GetValue", set: "SetValue", commit: "Commit",
    location: "cmi.location", entry: "cmi.entry", exit: "cmi.exit", sessionTime: "cmi.session_time",
    raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max", mode: "cmi.mode"
  } : {
    initialize: "LMSInitialize", terminate: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
    location: "cmi.core.lesson_location", entry: "cmi.core.entry", exit: "cmi.core.exit",
    sessionTime: "cmi.core.session_time", raw: "cmi.core.score.raw", min: "cmi.core.score.min",
    max: "cmi.core.score.max", mode: "cmi.core.lesson_mode"
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
  // Every write goes through here: nothing is written outside normal mode, and nothing twice in a row.
  function put(element, value) {
    if (!writable) { return; }
    value = String(value);
    if (written[element] === value) { return; }
    written[element] = value;
    call("set", element, value);
  }
  function commit() {
    unsavedVisits = 0;
    if (writable) { call("commit", ""); } else if (!api) { saveLocally(); }
  }

  // --- Values in each data model's types --------------------------------------------------------------
  function decimal(value, places) {
    var text = Number(value).toFixed(places);
    if (text.indexOf(".") >= 0) { text = text.replace(/0+$/, "").replace(/\.$/, ""); }
    return text === "-0" ? "0" : text;
  }

  function pad(value, size) { value = String(value); while (value.length < size) { value = "0" + value; } return value; }

  // A duration in hundredths of a second, carried so that seconds stay below 60 and minutes below 60:
  // 2004 timeinterval (PT1H2M5.25S, RTE 4.1.4.4) or 1.2 CMITimespan (HHHH:MM:SS.SS, RTE 3.4.2 A.3).
  function timespan(milliseconds) {
    var hundredths = Math.max(0, Math.round(milliseconds / 10));
    var hours = Math.floor(hundredths / 360000);
    var minutes = Math.floor((hundredths % 360000) / 6000);
    var seconds = (hundredths % 6000) / 100;
    if (is2004) {
      return "PT" + (hours ? hours + "H" : "") + (hours || minutes ? minutes + "M" : "") + decimal(seconds, 2) + "S";
    }
    var whole = Math.floor(seconds);
    return pad(Math.min(hours, 9999), 2) + ":" + pad(minutes, 2) + ":" + pad(whole, 2) + "." +
      pad(hundredths % 100, 2);
  }

  // 2004: time (second,10,0) with a zone, which the notation allows only after a fraction; 1.2: CMITime.
  function timestamp(date) {
    if (is2004) { return date.toISOString().replace(/\.(\d\d)\d*Z$/, ".$1Z"); }
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  // Cut to ``limit`` UTF-16 code units (what an LMS counts) without splitting a character.
  function cut(text, limit) {
    var characters = Array.from(text);
    while (characters.join("").length > limit) { characters.pop(); }
    return characters.join("");
  }

  // The learner's answer in the format of the interaction's type; null when there is nothing to write.
  function formatResponse(type, response) {
    if (type === "choice") {
      var keys = [].concat(response || []).filter(function (key) { return /^[a-z0-9]$/.test(key); });
      return keys.length ? keys.join(is2004 ? "[,]" : ",") : null;
    }
    if (type === "true-false") {
      if (response !== "true" && response !== "false") { return null; }
      return is2004 ? response : response.charAt(0);
    }
    if (type === "numeric") {
      if (typeof response !== "number" || !isFinite(response) || Math.abs(response) >= 1e10) { return null; }
      return decimal(response, 7);
    }
    var text = String(response || "").replace(/\s+/g, " ").trim();
    if (is2004) {
      // [,] and [.] are delimiters and a leading { a language tag in 2004 strings: the text never forms one.
      text = text.split("[,]").join(",").split("[.]").join(".").replace(/^\{+/, "");
    }
    text = cut(text, is2004 ? 250 : 255);
    return text ? text : null;
  }

  // --- Compact suspend data: "v1;<visited bits in hex>;<quiz>.<best>.<attempts>,...;<checklist>.<answers>,..."
  // Each checklist answer is its scale position in base 36 ("-": not answered), so SCORM 1.2's 4,096 characters
  // hold the whole course (the exporter refuses a course that could need more: scorm_export/base.py).
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
    var answered = checklistIds.filter(function (id) { return state.checklists[id]; }).map(function (id) {
      return lessons.indexOf(id).toString(36) + "." + state.checklists[id];
    });
    return "v1;" + hex + ";" + quizzes.join(",") + (answered.length ? ";" + answered.join(",") : "");
  }

  function validAnswers(id, text) {
    if (typeof text !== "string" || !/^[0-9a-z-]*$/.test(text) || text.length > checklists[id].statements) { return false; }
    return text.split("").every(function (c) { return c === "-" || parseInt(c, 36) < checklists[id].scale; });
  }

  function decodeState(text) {
    var parts = String(text || "").split(";");
    if (parts[0] !== "v1" || (parts.length !== 3 && parts.length !== 4)) { return; }
    (parts[3] || "").split(",").forEach(function (entry) {
      var fields = entry.split(".");
      var lesson = lessons[parseInt(fields[0], 36)];
      if (fields.length === 2 && lesson && checklistIds.indexOf(lesson) >= 0 && validAnswers(lesson, fields[1])) {
        state.checklists[lesson] = fields[1];
      }
    });
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

  // Without an LMS: this browser's storage, or, where a browser refuses storage to files, the address of
  // this page (kept across a reload, lost when the tab is closed).
  function saveLocally() {
    var saved = JSON.stringify({ data: encodeState(), location: state.location || "" });
    try {
      window.localStorage.setItem(storageKey, saved);
      return;
    } catch (ignored) { /* storage is off */ }
    try { window.location.replace("#lh=" + encodeURIComponent(saved)); } catch (ignored) { /* nowhere to keep it */ }
  }

  function loadLocally() {
    var saved = null;
    try { saved = window.localStorage.getItem(storageKey); } catch (ignored) { saved = null; }
    if (!saved && window.location.hash.indexOf("#lh=") === 0) {
      try { saved = decodeURIComponent(window.location.hash.slice(4)); } catch (ignored) { saved = null; }
    }
    try {
      saved = JSON.parse(saved || "null");
      if (saved) { decodeState(saved.data); return saved.location || ""; }
    } catch (ignored) { /* nothing usable saved */ }
    return "";
  }

  // --- What the learner has achieved ---------------------------------------------------------------
  function quizPassed(id) {
    var entry = state.quizzes[id];
    return !!entry && entry.best >= config.quizzes[id].passMark;
  }

  function lessonDone(id) { return quizIds.indexOf(id) < 0 ? !!state.visited[id] : quizPassed(id); }

  function attemptsLeft(id) {
    var most = config.quizzes[id].maxAttempts;
    return most === null ? Infinity : Math.max(0, most - (state.quizzes[id] ? state.quizzes[id].attempts : 0));
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
    return quizIds.every(quizPassed);
  }

  function courseComplete() {
    var allSeen = lessons.every(function (id) { return state.visited[id]; });
    if (config.completion.rule === "quiz-average") { return allSeen && allQuizzesTried() && quizzesSucceed(); }
    return lessons.every(lessonDone);
  }

  // Failed only when nothing left can change it: a quiz the course needs is failed with no attempt left
  // (quiz-average: every quiz tried and none can still be improved). Until then the course is in progress,
  // so an LMS that starts a new attempt after "failed" never does so while the learner can still pass.
  function courseFailed() {
    if (!quizIds.length || quizzesSucceed()) { return false; }
    if (config.completion.rule === "quiz-average") {
      return allQuizzesTried() && quizIds.every(function (id) {
        return attemptsLeft(id) === 0 || state.quizzes[id].best === 100;
      });
    }
    return quizIds.some(function (id) { return !quizPassed(id) && attemptsLeft(id) === 0; });
  }

  // Ranks of each vocabulary: a value is written only when it ranks above what the LMS holds.
  var STATUS_RANK = { "": 0, "not attempted": 0, browsed: 0, incomplete: 1, failed: 2, completed: 3, passed: 3 };
  var SUCCESS_RANK = { "": 0, unknown: 0, failed: 1, passed: 2 };
  function rank(table, value) { return Object.prototype.hasOwnProperty.call(table, value) ? table[value] : 0; }

  function report() {
    var done = lessons.filter(lessonDone).length;
    var complete = courseComplete();
    var knownComplete = complete || record.completion === "completed" || rank(STATUS_RANK, record.status) === 3;
    if (progressBar) {
      progressBar.value = knownComplete ? 100 : Math.round((100 * done) / lessons.length);
      progressBar.textContent = progressBar.value + "%";
    }
    var justCompleted = complete && !reportedComplete;
    if (complete) { reportedComplete = true; }
    if (!writable) { return justCompleted; }

    var score = averageScore();
    var tried = quizIds.some(function (id) { return state.quizzes[id]; });
    if (score !== null && tried) {
      var raw = Math.round(score * 100) / 100;
      if (record.raw === null || raw > record.raw) {
        record.raw = raw;
        put(names.raw, decimal(raw, 2));
        if (is2004) { put("cmi.score.scaled", decimal(raw / 100, 4)); }
      }
    }
    var success = "unknown";
    if (quizIds.length === 0) { success = complete ? "passed" : "unknown"; }
    else if (allQuizzesTried() && quizzesSucceed()) { success = "passed"; }
    else if (courseFailed()) { success = "failed"; }
    if (is2004) {
      // 1 means complete (RTE 4.2.18): short of completion the measure stays below it.
      var measure = knownComplete ? 1 : Math.min(0.999, Math.round((1000 * done) / lessons.length) / 1000);
      if (record.progress === null || measure > record.progress) {
        record.progress = measure;
        put("cmi.progress_measure", decimal(measure, 3));
      }
      var completion = complete ? "completed" : "incomplete";
      if (record.completion !== "completed" && record.completion !== completion) {
        record.completion = completion;
        put("cmi.completion_status", completion);
      }
      if (rank(SUCCESS_RANK, success) > rank(SUCCESS_RANK, record.success)) {
        record.success = success;
        put("cmi.success_status", success);
      }
    } else {
      var status = "incomplete";
      if (complete) { status = quizIds.length ? "passed" : "completed"; } else if (success === "failed") { status = "failed"; }
      if (rank(STATUS_RANK, status) > rank(STATUS_RANK, record.status)) {
        record.status = status;
        put("cmi.core.lesson_status", status);
      }
    }
    return justCompleted;
  }

  // --- Objectives (one per quiz) and interactions (one per answered question) ----------------------------
  function readObjectives() {
    var count = parseInt(getValue("cmi.objectives._count"), 10) || 0;
    for (var index = 0; index < count; index += 1) {
      objectiveIndex[getValue("cmi.objectives." + index + ".id")] = index;
    }
    interactionCount = parseInt(getValue("cmi.interactions._count"), 10) || 0;
  }

  function reportObjective(id) {
    var quiz = config.quizzes[id];
    var entry = state.quizzes[id];
    var index = objectiveIndex[quiz.objective];
    var prefix;
    if (index === undefined) {
      index = Object.keys(objectiveIndex).length;
      objectiveIndex[quiz.objective] = index;
      put("cmi.objectives." + index + ".id", quiz.objective);
    }
    prefix = "cmi.objectives." + index + ".";
    put(prefix + "score.min", "0");
    put(prefix + "score.max", "100");
    put(prefix + "score.raw", decimal(entry.best, 2));
    if (is2004) {
      put(prefix + "score.scaled", decimal(entry.best / 100, 4));
      put(prefix + "success_status", quizPassed(id) ? "passed" : "failed");
      put(prefix + "completion_status", "completed");
    } else {
      put(prefix + "status", quizPassed(id) ? "passed" : "failed");
    }
  }

  function reportInteractions(id, answers, latency) {
    var quiz = config.quizzes[id];
    var now = new Date();
    quiz.questions.forEach(function (question) {
      var answer = answers.filter(function (a) { return a && typeof a === "object" && a.question === question.id; })[0];
      if (!answer || interactionCount >= MOST_INTERACTIONS) { return; }
      // Journaled: each attempt adds records, so a report shows every answer, not only the last.
      var prefix = "cmi.interactions." + interactionCount + ".";
      interactionCount += 1;
      put(prefix + "id", question.interaction);
      put(prefix + "type", question.type);
      put(prefix + "objectives.0.id", quiz.objective);
      put(prefix + (is2004 ? "timestamp" : "time"), timestamp(now));
      put(prefix + "weighting", "1");
      var response = formatResponse(question.type, answer.response);
      if (response !== null) { put(prefix + (is2004 ? "learner_response" : "student_response"), response); }
      put(prefix + "result", answer.correct === true ? "correct" : (is2004 ? "incorrect" : "wrong"));
      if (typeof latency === "number" && isFinite(latency)) { put(prefix + "latency", timespan(latency)); }
      if (is2004 && question.description) { put(prefix + "description", question.description); }
    });
  }

  // --- Events ----------------------------------------------------------------------------------------
  function quizState(id) {
    var entry = state.quizzes[id] || { best: 0, attempts: 0 };
    return { lh: "state", lesson: id, best: entry.best, attempts: entry.attempts, mode: mode };
  }

  function tell(message) {
    try { frame.contentWindow.postMessage(message, "*"); } catch (ignored) { /* the frame is gone */ }
  }

  function lessonShown(id) {
    state.location = id;
    Array.prototype.forEach.call(contents ? contents.querySelectorAll("a[data-lesson]") : [], function (link) {
      if (link.getAttribute("data-lesson") === id) { link.setAttribute("aria-current", "page"); } else { link.removeAttribute("aria-current"); }
    });
    if (quizIds.indexOf(id) >= 0) { tell(quizState(id)); }
    if (checklistIds.indexOf(id) >= 0) { tell({ lh: "checklist-state", lesson: id, answers: state.checklists[id] || "", mode: mode }); }
    if (focusLessonOnShow) { focusLessonOnShow = false; frame.focus(); tell({ lh: "focus" }); }
    if (mode !== "normal") { return; }
    put(names.location, id);
    var isNew = !state.visited[id];
    state.visited[id] = true;
    put("cmi.suspend_data", encodeState());
    if (isNew) { unsavedVisits += 1; }
    var justCompleted = report();
    // Commit at sensible points: the course just became complete, or every few new lessons.
    if (justCompleted || unsavedVisits >= COMMIT_EVERY_VISITS) { commit(); } else if (!api) { saveLocally(); }
  }

  function recordQuiz(id, percent, answers, latency) {
    if (quizIds.indexOf(id) < 0 || mode !== "normal") { return; }
    var entry = state.quizzes[id] || { best: 0, attempts: 0 };
    entry.attempts += 1;
    entry.best = Math.max(entry.best, Math.max(0, Math.min(100, Math.round(percent))));
    state.quizzes[id] = entry;
    state.visited[id] = true;
    put("cmi.suspend_data", encodeState());
    reportObjective(id);
    reportInteractions(id, answers || [], latency);
    report();
    commit();
  }

  function recordChecklist(id, answers) {
    if (checklistIds.indexOf(id) < 0 || mode !== "normal" || !validAnswers(id, answers)) { return; }
    if (state.checklists[id] === answers) { return; }
    state.checklists[id] = answers;
    state.visited[id] = true;
    put("cmi.suspend_data", encodeState());
    report();
    commit();
  }

  function attemptsUsed(id) { return state.quizzes[id] ? state.quizzes[id].attempts : 0; }

  window.addEventListener("message", function (event) {
    // Only the lesson frame speaks to this page, and only in these few words.
    if (event.source !== frame.contentWindow || !event.data || typeof event.data !== "object") { return; }
    var message = event.data;
    if (typeof message.lesson !== "string" || lessons.indexOf(message.lesson) < 0) { return; }
    if (message.lh === "shown") { lessonShown(message.lesson); }
    if (message.lh === "checklist") { recordChecklist(message.lesson, message.answers); }
    if (message.lh === "attempt" && typeof message.percent === "number" && isFinite(message.percent) &&
        Array.isArray(message.answers)) {
      recordQuiz(message.lesson, message.percent, message.answers, message.latency);
      tell(quizState(message.lesson));
    }
  });

  function finish() {
    if (finished) { return; }
    finished = true;
    if (!api) { saveLocally(); return; }
    if (writable) {
      put(names.sessionTime, timespan(Date.now() - startedAt));
      // Always "suspend": the LMS keeps this attempt's data, so a relaunch (after a pause, a pass or a
      // failure) finds the learner's results and the package never reports less (docs/scorm-export.md).
      put(names.exit, "suspend");
    }
    call("terminate", "");
  }

  // --- The contents menu: closes after a choice or Escape, and sends the focus to the lesson chosen ---------
  if (contents) {
    contents.addEventListener("click", function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[data-lesson]") : null;
      if (!link) { return; }
      contents.open = false;
      focusLessonOnShow = true;
    });
    contents.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && contents.open) {
        contents.open = false;
        contents.querySelector("summary").focus();
      }
    });
  }

  // --- Start -------------------------------------------------------------------------------------------
  function restore() {
    var entry = getValue(names.entry);
    var launched = getValue(names.mode);
    mode = launched === "review" || launched === "browse" ? launched : "normal";
    writable = mode === "normal";
    if (is2004) {
      record.completion = getValue("cmi.completion_status");
      record.success = getValue("cmi.success_status");
    } else {
      record.status = getValue("cmi.core.lesson_status");
    }
    // 2004 answers an error for elements never set: read them only when this attempt holds data.
    var holdsData = entry === "resume" || (is2004
      ? record.completion === "completed" || record.completion === "incomplete"
      : rank(STATUS_RANK, record.status) > 0);
    var resumeAt = "";
    if (!is2004 || holdsData) {
      decodeState(getValue("cmi.suspend_data"));
      resumeAt = getValue(names.location);
    }
    var tried = quizIds.some(function (id) { return state.quizzes[id]; });
    if (!is2004 || (holdsData && tried)) {
      var raw = parseFloat(getValue(names.raw));
      record.raw = isFinite(raw) ? raw : null;
    }
    if (is2004 && holdsData) {
      var measure = parseFloat(getValue("cmi.progress_measure"));
      record.progress = isFinite(measure) ? measure : null;
    }
    if (writable) { readObjectives(); }
    return resumeAt;
  }

  function start() {
    api = findApi();
    var resumeAt = "";
    if (api) {
      call("initialize", "");
      resumeAt = restore();
      if (writable && quizIds.length) { put(names.min, "0"); put(names.max, "100"); }
    } else {
      resumeAt = loadLocally();
    }
    if (mode !== "normal" && modeNote) { modeNote.hidden = false; }
    reportedComplete = courseComplete();
    report();
    // A finished course opens at the start (the learner is back to look again); otherwise where they stopped.
    var finishedBefore = reportedComplete || record.completion === "completed" || rank(STATUS_RANK, record.status) === 3;
    var first = !finishedBefore && lessons.indexOf(resumeAt) >= 0 ? resumeAt : frame.getAttribute("data-first");
    frame.src = first + ".html";
    window.addEventListener("pagehide", finish);
    window.addEventListener("unload", finish);
  }

  window.LHRuntime = {
    recordQuiz: recordQuiz, attemptsUsed: attemptsUsed, mode: function () { return mode; },
    state: function () { return encodeState(); }
  };
  start();
}());
