/* learn-habitat lesson page: grades the quiz in the browser (a package has no server) and tells the
 * package runtime, when there is one, how the attempt went. */
(function () {
  "use strict";

  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var quiz = JSON.parse(document.getElementById("lh-quiz").textContent);
  var messages = JSON.parse(document.getElementById("lh-messages").textContent);
  var resultBox = document.getElementById("quiz-result");
  var attemptsNote = document.querySelector(".attempts-left");
  var submit = form.querySelector("button[type=submit]");
  var runtime = null;
  try { runtime = window.parent !== window && window.parent.LHRuntime ? window.parent.LHRuntime : null; } catch (ignored) { runtime = null; }
  var localAttempts = 0;
  var SENTINEL = "987654"; // where the translated sentence wants the number

  function normalise(value) {
    return String(value || "").normalize("NFKC").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }

  function parseNumber(value) {
    var text = String(value || "").normalize("NFKC").replace(/[\s\u00a0]/g, "");
    if ((text.match(/,/g) || []).length === 1 && text.indexOf(".") < 0) { text = text.replace(",", "."); }
    text = text.replace(/,/g, "");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) { return null; }
    var number = Number(text);
    return isFinite(number) ? number : null;
  }

  function isCorrect(question, answer) {
    var right = question.options.filter(function (o) { return o.correct; }).map(function (o) { return o.key; });
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

  function answerOf(question) {
    var fields = form.querySelectorAll("[name='" + question.id + "']");
    if (question.kind === "multiple") {
      return Array.prototype.filter.call(fields, function (f) { return f.checked; }).map(function (f) { return f.value; });
    }
    if (question.kind === "single" || question.kind === "true-false") {
      var checked = Array.prototype.filter.call(fields, function (f) { return f.checked; })[0];
      return checked ? checked.value : "";
    }
    return fields.length ? fields[0].value : "";
  }

  function attemptsUsed() { return runtime ? runtime.attemptsUsed(quiz.lesson) : localAttempts; }

  function attemptsLeft() {
    return quiz.maxAttempts === null ? null : Math.max(0, quiz.maxAttempts - attemptsUsed());
  }

  function showAttempts() {
    var left = attemptsLeft();
    if (left === null || !attemptsNote) { return; }
    attemptsNote.hidden = false;
    attemptsNote.textContent = messages.attemptsLeft[String(left)] || "";
    if (left === 0) {
      submit.disabled = true;
      resultBox.hidden = false;
      if (!resultBox.textContent) { resultBox.textContent = messages.noAttempts; }
    }
  }

  function feedbackFor(question, answer, correct) {
    var chosen = Array.isArray(answer) ? answer : [answer];
    var parts = question.options.filter(function (o) { return chosen.indexOf(o.key) >= 0 && o.feedback; })
      .map(function (o) { return o.feedback; });
    var general = correct ? question.right : question.wrong;
    if (general) { parts.push(general); }
    return parts;
  }

  form.addEventListener("change", function () { if (attemptsLeft() !== 0) { submit.disabled = false; } });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit.disabled || attemptsLeft() === 0) { return; }
    submit.disabled = true; // a double click records one attempt; changing an answer allows another
    var right = 0;
    quiz.questions.forEach(function (question) {
      var answer = answerOf(question);
      var answered = Array.isArray(answer) ? answer.length > 0 : String(answer).trim() !== "";
      var correct = answered && isCorrect(question, answer);
      if (correct) { right += 1; }
      var fieldset = document.getElementById(question.id);
      fieldset.classList.toggle("answer-right", correct);
      fieldset.classList.toggle("answer-wrong", !correct);
      var box = fieldset.querySelector(".question-feedback");
      box.innerHTML = "";
      var verdict = document.createElement("p");
      verdict.className = "verdict";
      verdict.textContent = correct ? messages.right : messages.wrong;
      box.appendChild(verdict);
      feedbackFor(question, answer, correct).forEach(function (html) {
        var paragraph = document.createElement("p");
        paragraph.className = "feedback";
        paragraph.innerHTML = html; // feedback HTML was sanitised when the course was built
        box.appendChild(paragraph);
      });
    });
    var percent = quiz.questions.length ? Math.round((100 * right) / quiz.questions.length) : 0;
    var passed = percent >= quiz.passMark;
    localAttempts += 1;
    if (runtime) { runtime.recordQuiz(quiz.lesson, percent); }
    resultBox.hidden = false;
    resultBox.className = "result " + (passed ? "result-pass" : "result-fail");
    resultBox.textContent = messages.result.replace(SENTINEL, String(percent)) + " " +
      (passed ? messages.passed : messages.notPassed + " " + messages.passMark.replace(SENTINEL, String(quiz.passMark)));
    showAttempts();
  });

  showAttempts();
}());
