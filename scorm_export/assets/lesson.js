/* learn-habitat lesson page: tells the package runtime which lesson is shown, grades the quiz in the browser
 * (a package has no server), follows the quiz's review rule, and tells the runtime how the attempt went.
 * It speaks to the runtime only through postMessage, which works from disk (file://) too, where the browser
 * forbids the two frames any other way.
 * The lesson's own HTML shares this page, so every element is found by a tag an author cannot write
 * (form, script, fieldset, input, label, template), as a child of the quiz's own section: an author's element
 * can never stand in for one of the page's. Nothing is inserted with innerHTML. */
(function () {
  "use strict";

  var lessonId = document.body.getAttribute("data-lesson");
  var parentWindow = window.parent !== window ? window.parent : null;
  function post(message) {
    if (parentWindow) { try { parentWindow.postMessage(message, "*"); } catch (ignored) { /* no shell */ } }
  }

  var form = document.querySelector("section.quiz > form#quiz-form");
  var main = document.querySelector("body > main#main");
  var section = form ? form.parentNode : null;
  function own(selector) { return section.querySelector(":scope > " + selector); }
  var quiz = form ? JSON.parse(own("script#lh-quiz[type='application/json']").textContent) : null;
  var messages = form ? JSON.parse(own("script#lh-messages[type='application/json']").textContent) : null;
  var resultBox = form ? own("div#quiz-result") : null;
  var attemptsNote = form ? own("p.meta > span.attempts-left") : null;
  var submit = form ? form.querySelector(":scope > button[type=submit]") : null;
  // What the runtime says of this quiz; until it speaks (or without a runtime) the page counts on its own.
  var known = { best: 0, attempts: 0, mode: "normal" };
  var shownAt = Date.now();
  var SENTINEL = "987654"; // where the translated sentence wants the number

  window.addEventListener("message", function (event) {
    if (!parentWindow || event.source !== parentWindow || !event.data || typeof event.data !== "object") { return; }
    var message = event.data;
    if (message.lh === "focus" && main) { main.focus(); }
    if (message.lh === "state" && form && message.lesson === quiz.lesson) {
      known = {
        best: Math.max(0, Math.min(100, Number(message.best) || 0)),
        attempts: Math.max(0, Number(message.attempts) || 0),
        mode: message.mode === "review" || message.mode === "browse" ? message.mode : "normal"
      };
      showState();
    }
  });
  post({ lh: "shown", lesson: lessonId });
  if (!form) { return; }

  // The same steps as learn_habitat/content/answers.py (normalise_answer); a test runs both on the same inputs.
  var LETTERS = {
    "\u0649": "\u064a", "\u0629": "\u0647", "\u0671": "\u0627", "\u0640": "",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"
  };
  for (var digit = 0; digit < 10; digit += 1) {
    LETTERS[String.fromCharCode(0x0660 + digit)] = String(digit);
    LETTERS[String.fromCharCode(0x06f0 + digit)] = String(digit);
  }
  var COMBINING = /\p{Mn}/gu;
  var INVISIBLE = /[\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff]/g;
  var WHITE_SPACE = /[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
  function normalise(value) {
    var text = String(value || "").normalize("NFKC").toLowerCase().normalize("NFKD").replace(COMBINING, "");
    text = text.replace(/[\u0649\u0629\u0671\u0640\u2019\u2018\u02bc\u2010-\u2014\u0660-\u0669\u06f0-\u06f9]/g,
      function (c) { return LETTERS[c]; });
    return text.replace(INVISIBLE, "").replace(WHITE_SPACE, " ").replace(/^ | $/g, "");
  }

  function parseNumber(value) {
    var text = String(value || "").normalize("NFKC").replace(/[\s\u00a0]/g, "");
    if ((text.match(/,/g) || []).length === 1 && text.indexOf(".") < 0) { text = text.replace(",", "."); }
    text = text.replace(/,/g, "");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) { return null; }
    var number = Number(text);
    return isFinite(number) ? number : null;
  }

  function rightKeys(question) {
    return question.options.filter(function (o) { return o.correct; }).map(function (o) { return o.key; });
  }

  function isCorrect(question, answer) {
    var right = rightKeys(question);
    if (question.kind === "single") { return right.indexOf(answer) >= 0; }
    if (question.kind === "multiple") {
      var chosen = (answer || []).slice().sort();
      return chosen.length === right.length && right.slice().sort().every(function (key, i) { return key === chosen[i]; });
    }
    if (question.kind === "true-false") { return String(answer || "").trim().toLowerCase() === question.accepted[0]; }
    if (question.kind === "numeric") {
      var value = parseNumber(answer);
      return value !== null && Math.abs(value - question.number) <= question.tolerance + 1e-9;
    }
    var given = normalise(answer);
    return question.accepted.some(function (text) { return normalise(text) === given; });
  }

  function fieldsetOf(question) {
    return Array.prototype.filter.call(form.children, function (child) {
      return child.tagName === "FIELDSET" && child.getAttribute("id") === question.id;
    })[0];
  }

  function inputsOf(question, fieldset) {
    return Array.prototype.filter.call(fieldset.querySelectorAll("input"), function (f) { return f.name === question.id; });
  }

  function answerOf(question, fieldset) {
    var fields = inputsOf(question, fieldset);
    if (question.kind === "multiple") {
      return fields.filter(function (f) { return f.checked; }).map(function (f) { return f.value; });
    }
    if (question.kind === "single" || question.kind === "true-false") {
      var checked = fields.filter(function (f) { return f.checked; })[0];
      return checked ? checked.value : "";
    }
    return fields.length ? fields[0].value : "";
  }

  // The same rule as the site's Quiz.answers_revealed (learn_habitat/activities/quiz.py).
  function answersRevealed(passed, attemptsUsed) {
    if (quiz.reveal === "always") { return true; }
    if (quiz.reveal === "never") { return false; }
    return passed || (quiz.maxAttempts !== null && attemptsUsed >= quiz.maxAttempts);
  }

  function attemptsLeft() {
    return quiz.maxAttempts === null ? null : Math.max(0, quiz.maxAttempts - known.attempts);
  }

  function setDisabled(disabled) {
    Array.prototype.forEach.call(form.querySelectorAll("input"), function (field) { field.disabled = disabled; });
    submit.disabled = disabled;
  }

  function showState() {
    if (known.mode !== "normal") {
      // Review and browse: the learner sees the quiz and their result; nothing can be submitted.
      setDisabled(true);
      resultBox.hidden = false;
      resultBox.className = "result";
      resultBox.textContent = messages.review +
        (known.attempts ? " " + messages.best.replace(SENTINEL, String(known.best)) : "");
      return;
    }
    var left = attemptsLeft();
    if (left === null || !attemptsNote) { return; }
    attemptsNote.hidden = false;
    attemptsNote.textContent = messages.attemptsLeft[String(left)] || "";
    if (left === 0) {
      submit.disabled = true;
      resultBox.hidden = false;
      if (!resultBox.textContent) {
        resultBox.textContent = messages.noAttempts + " " + messages.best.replace(SENTINEL, String(known.best));
      }
    }
  }

  // The <template> elements holding the feedback for this answer: chosen options' first, then the verdict's.
  function feedbackFor(fieldset, answer, correct) {
    var chosen = Array.isArray(answer) ? answer : [answer];
    var templates = fieldset.querySelectorAll(":scope > template.lh-feedback");
    var forOptions = Array.prototype.filter.call(templates, function (t) {
      return t.hasAttribute("data-option") && chosen.indexOf(t.getAttribute("data-option")) >= 0;
    });
    var forVerdict = Array.prototype.filter.call(templates, function (t) {
      return t.getAttribute("data-verdict") === (correct ? "right" : "wrong");
    });
    return forOptions.concat(forVerdict);
  }

  // "Right answer: ..." built from the page's own labels (sanitised when the course was built) or the key.
  function rightAnswer(question, fieldset) {
    var paragraph = document.createElement("p");
    paragraph.className = "right-answer";
    var label = document.createElement("strong");
    label.textContent = messages.rightAnswer;
    paragraph.appendChild(label);
    paragraph.appendChild(document.createTextNode(" "));
    var keys = question.kind === "true-false" ? [question.accepted[0]] : rightKeys(question);
    if (question.kind === "numeric") {
      paragraph.appendChild(document.createTextNode(String(question.number) +
        (question.tolerance ? " \u00b1 " + String(question.tolerance) : "")));
    } else if (question.kind === "text") {
      paragraph.appendChild(document.createTextNode(question.accepted[0]));
    } else {
      var labels = Array.prototype.filter.call(fieldset.querySelectorAll(":scope > div.choice > label"), function (l) {
        return keys.some(function (key) { return l.htmlFor === question.id + "-" + key; });
      });
      labels.forEach(function (l, index) {
        if (index) { paragraph.appendChild(document.createTextNode("; ")); }
        Array.prototype.forEach.call(l.childNodes, function (node) { paragraph.appendChild(node.cloneNode(true)); });
      });
    }
    return paragraph;
  }

  form.addEventListener("change", function () {
    if (known.mode === "normal" && attemptsLeft() !== 0) { submit.disabled = false; }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit.disabled || known.mode !== "normal" || attemptsLeft() === 0) { return; }
    submit.disabled = true; // a double click records one attempt; changing an answer allows another
    var graded = quiz.questions.map(function (question) {
      var fieldset = fieldsetOf(question);
      var answer = answerOf(question, fieldset);
      var answered = Array.isArray(answer) ? answer.length > 0 : String(answer).trim() !== "";
      return { question: question, fieldset: fieldset, answer: answer, correct: answered && isCorrect(question, answer) };
    });
    var right = graded.filter(function (item) { return item.correct; }).length;
    var percent = quiz.questions.length ? Math.round((100 * right) / quiz.questions.length) : 0;
    var passed = percent >= quiz.passMark;
    known = { best: Math.max(known.best, percent), attempts: known.attempts + 1, mode: known.mode };
    var revealed = answersRevealed(known.best >= quiz.passMark, known.attempts);
    graded.forEach(function (item) {
      var fieldset = item.fieldset;
      fieldset.classList.toggle("answer-right", item.correct);
      fieldset.classList.toggle("answer-wrong", !item.correct);
      var box = fieldset.querySelector(":scope > div.question-feedback");
      box.textContent = "";
      var verdict = document.createElement("p");
      verdict.className = "verdict";
      verdict.textContent = item.correct ? messages.right : messages.wrong;
      box.appendChild(verdict);
      var hint = fieldset.querySelector(":scope > details.hint-box");
      if (hint && !item.correct) { hint.open = true; }
      // While the answers are not revealed, only the verdict and the hint: option and verdict feedback can
      // name the right answer, and a remaining attempt would then be worth nothing.
      if (!revealed) { return; }
      feedbackFor(fieldset, item.answer, item.correct).forEach(function (template) {
        var paragraph = document.createElement("p");
        paragraph.className = "feedback";
        paragraph.appendChild(document.importNode(template.content, true)); // sanitised when the course was built
        box.appendChild(paragraph);
      });
      if (!item.correct) { box.appendChild(rightAnswer(item.question, fieldset)); }
    });
    post({
      lh: "attempt",
      lesson: quiz.lesson,
      percent: percent,
      latency: Date.now() - shownAt,
      answers: graded.map(function (item) {
        var response = item.answer;
        if (item.question.kind === "numeric") { response = parseNumber(item.answer); }
        return { question: item.question.id, response: response, correct: item.correct };
      })
    });
    shownAt = Date.now();
    resultBox.hidden = false;
    resultBox.className = "result " + (passed ? "result-pass" : "result-fail");
    resultBox.textContent = messages.result.replace(SENTINEL, String(percent)) + " " +
      (passed ? messages.passed : messages.notPassed + " " + messages.passMark.replace(SENTINEL, String(quiz.passMark)));
    showState();
  });

  showState();
}());

/* The checklist: guidance for the answer chosen, the summary by theme, and the answers handed to the runtime,
 * which keeps them in the package's suspend data (one character per statement: the scale position in base 36,
 * "-" when not answered; the same encoding as learn_habitat/activities/checklist.py). Elements are found by
 * tags an author cannot write, below the checklist's own section; guidance is copied from <template> elements. */
(function () {
  "use strict";

  var form = document.querySelector("section.checklist > form#checklist-form");
  if (!form) { return; }
  var section = form.parentNode;
  var data = JSON.parse(section.querySelector(":scope > script#lh-checklist[type='application/json']").textContent);
  var summaryBox = section.querySelector(":scope > div#checklist-summary");
  var submit = form.querySelector(":scope > p.actions > button[type=submit]");
  var parentWindow = window.parent !== window ? window.parent : null;
  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
  var SENTINEL = "987654";

  function children(element, tag) {
    return Array.prototype.filter.call(element.children, function (child) { return child.tagName === tag; });
  }
  var themes = children(form, "DIV").map(function (theme) { return children(theme, "FIELDSET"); });
  var statements = [].concat.apply([], themes);

  function radios(fieldset) {
    return Array.prototype.filter.call(
      fieldset.querySelectorAll(":scope > div.checklist-scale > div.choice > input"),
      function (input) { return input.type === "radio"; }
    );
  }
  function chosen(fieldset) {
    var checked = radios(fieldset).filter(function (input) { return input.checked; })[0];
    return checked ? parseInt(checked.value, 10) : null;
  }

  function showGuidance(fieldset) {
    var box = fieldset.querySelector(":scope > div.checklist-guidance");
    box.textContent = "";
    var value = chosen(fieldset);
    var template = Array.prototype.filter.call(fieldset.querySelectorAll(":scope > template.lh-guidance"), function (t) {
      return value !== null && t.getAttribute("data-value") === String(value);
    })[0];
    if (!template) { return; }
    var paragraph = document.createElement("p");
    paragraph.appendChild(document.importNode(template.content, true)); // sanitised when the course was built
    box.appendChild(paragraph);
  }

  function encode() {
    return statements.map(function (fieldset) {
      var value = chosen(fieldset);
      return value === null ? "-" : DIGITS.charAt(value);
    }).join("").replace(/-+$/, "");
  }

  function restore(text) {
    statements.forEach(function (fieldset, index) {
      var character = String(text || "").charAt(index);
      var value = character && character !== "-" ? DIGITS.indexOf(character) : -1;
      radios(fieldset).forEach(function (input) { input.checked = parseInt(input.value, 10) === value; });
      showGuidance(fieldset);
    });
  }

  // The same counts and score as learn_habitat/activities/checklist.py (summarise).
  function fillRow(row, fieldsets) {
    var counts = [];
    var points = 0;
    for (var value = 0; value < data.scale; value += 1) { counts.push(0); }
    fieldsets.forEach(function (fieldset) {
      var answer = chosen(fieldset);
      if (answer !== null) { counts[answer] += 1; points += answer / (data.scale - 1); }
    });
    var answered = counts.reduce(function (a, b) { return a + b; }, 0);
    var cells = children(row, "TD");
    counts.forEach(function (count, index) { cells[index].textContent = String(count); });
    cells[data.scale].textContent = String(fieldsets.length - answered);
    var score = fieldsets.length ? points / fieldsets.length : 0;
    cells[data.scale + 1].textContent = data.percent.replace(SENTINEL, String(Math.round(score * 100)));
  }

  function showSummary() {
    var table = summaryBox.querySelector(":scope > div.table-scroll > table");
    var rows = children(children(table, "TBODY")[0], "TR");
    themes.forEach(function (fieldsets, index) { fillRow(rows[index], fieldsets); });
    fillRow(children(children(table, "TFOOT")[0], "TR")[0], statements);
    summaryBox.hidden = false;
  }

  function post() {
    if (parentWindow) {
      try { parentWindow.postMessage({ lh: "checklist", lesson: data.lesson, answers: encode() }, "*"); } catch (ignored) { /* no shell */ }
    }
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target && event.target.closest ? event.target.closest("fieldset") : null;
    if (fieldset) { showGuidance(fieldset); }
    if (!summaryBox.hidden) { showSummary(); }
    post();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showSummary();
    post();
    summaryBox.focus();
  });

  window.addEventListener("message", function (event) {
    if (!parentWindow || event.source !== parentWindow || !event.data || typeof event.data !== "object") { return; }
    var message = event.data;
    if (message.lh !== "checklist-state" || message.lesson !== data.lesson || typeof message.answers !== "string") { return; }
    restore(message.answers);
    if (message.answers) { showSummary(); }
    if (message.mode === "review" || message.mode === "browse") {
      // Review and browse: the learner sees their answers; nothing can change them.
      statements.forEach(function (fieldset) { radios(fieldset).forEach(function (input) { input.disabled = true; }); });
      submit.disabled = true;
    }
  });
}());
