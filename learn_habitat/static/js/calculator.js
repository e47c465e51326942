/* learn-habitat calculators: results as the learner types, on the site and inside SCORM packages (offline).
 * The formulas come as trees (JSON) made by learn_habitat/activities/formula.py; this file evaluates them with
 * the same steps as that module (tests/activities/test_formula_agreement.py runs both on generated formulas),
 * and reads and writes numbers with the same rules as learn_habitat/activities/calculator.py.
 * Without this script the site's form is answered by the server. The lesson's own HTML shares the page, so
 * elements are found only inside the calculator's <form> (a tag an author cannot write), and every text is set
 * with textContent, never innerHTML. */
(function () {
  "use strict";

  var POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
  var LARGEST_SHOWN = 1e15;

  function EvaluationError(code) { this.code = code; }

  function finite(value) {
    if (value !== value) { throw new EvaluationError("undefined"); }
    if (!isFinite(value)) { throw new EvaluationError("too_large"); }
    return value;
  }

  function roundHalfAway(value, digits) {
    var scale = POWERS_OF_TEN[digits];
    var magnitude = Math.abs(value) * scale;
    if (magnitude >= 4503599627370496) { return value; }
    var rounded = Math.floor(magnitude + 0.5) / scale;
    return value < 0 ? -rounded : rounded;
  }

  function arithmetic(operator, left, right) {
    if (operator === "+") { return finite(left + right); }
    if (operator === "-") { return finite(left - right); }
    if (operator === "*") { return finite(left * right); }
    if (operator === "/") {
      if (right === 0) { throw new EvaluationError("division_by_zero"); }
      return finite(left / right);
    }
    if (left === 0 && right < 0) { throw new EvaluationError("division_by_zero"); }
    return finite(Math.pow(left, right));
  }

  function call(name, args, values) {
    if (name === "if") { return evaluate(evaluate(args[0], values) ? args[1] : args[2], values); }
    var numbers = args.map(function (arg) { return evaluate(arg, values); });
    var first = numbers[0];
    if (name === "min" || name === "max") {
      var best = first;
      for (var i = 1; i < numbers.length; i += 1) {
        if (name === "min" ? numbers[i] < best : numbers[i] > best) { best = numbers[i]; }
      }
      return best;
    }
    if (name === "round") { return roundHalfAway(first, numbers.length > 1 ? numbers[1] : 0); }
    if (name === "abs") { return Math.abs(first); }
    if (name === "sqrt") {
      if (first < 0) { throw new EvaluationError("undefined"); }
      return Math.sqrt(first);
    }
    if (name === "exp") { return finite(Math.exp(first)); }
    if (first <= 0) { throw new EvaluationError("undefined"); }
    return name === "ln" ? Math.log(first) : Math.log10(first);
  }

  function evaluate(tree, values) {
    var kind = tree[0];
    if (kind === "num") { return tree[1]; }
    if (kind === "var") {
      var value = values[tree[1]];
      if (value instanceof EvaluationError) { throw new EvaluationError(value.code); }
      return value;
    }
    if (kind === "neg") { return -evaluate(tree[1], values); }
    if (kind === "not") { return !evaluate(tree[1], values); }
    if (kind === "and") { return Boolean(evaluate(tree[1], values)) && Boolean(evaluate(tree[2], values)); }
    if (kind === "or") { return Boolean(evaluate(tree[1], values)) || Boolean(evaluate(tree[2], values)); }
    if (kind === "call") { return call(tree[1], tree[2], values); }
    var left = evaluate(tree[1], values);
    var right = evaluate(tree[2], values);
    switch (kind) {
      case "<": return left < right;
      case "<=": return left <= right;
      case ">": return left > right;
      case ">=": return left >= right;
      case "==": return left === right;
      case "!=": return left !== right;
      default: return arithmetic(kind, left, right);
    }
  }

  // Every formula's value, or the error that stopped it (as Calculator.compute).
  function compute(formulas, values) {
    var known = {};
    Object.keys(values).forEach(function (name) { known[name] = values[name]; });
    formulas.forEach(function (pair) {
      try {
        known[pair[0]] = evaluate(pair[1], known);
      } catch (error) {
        if (!(error instanceof EvaluationError)) { throw error; }
        known[pair[0]] = error;
      }
    });
    return known;
  }

  // As formula.shown_value: 12 significant digits, then the output's decimals; never "-0".
  function shownValue(value, precision) {
    if (!isFinite(value)) { throw new EvaluationError("too_large"); }
    var twelve = Number(value.toPrecision(12));
    if (Math.abs(twelve) >= LARGEST_SHOWN) { throw new EvaluationError("too_large"); }
    var rounded = roundHalfAway(twelve, precision);
    return rounded === 0 ? 0 : rounded;
  }

  var BAND_TESTS = {
    "<": function (v, t) { return v < t; },
    "<=": function (v, t) { return v <= t; },
    ">": function (v, t) { return v > t; },
    ">=": function (v, t) { return v >= t; }
  };

  function bandFor(bands, value) {
    var found = "";
    bands.forEach(function (band) { if (BAND_TESTS[band[0]](value, band[1])) { found = band[2]; } });
    return found;
  }

  // As calculator.read_number.
  var IGNORED = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u200e\u200f\u061c'\u2019]/g;
  var PLAIN_NUMBER = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
  function readNumber(text, locale) {
    if (typeof text !== "string" || Array.from(text).length > 40) { return null; }
    var decimal = locale.decimal;
    var other = decimal === "." ? "," : ".";
    var value = text.normalize("NFKC").replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) {
      var code = c.charCodeAt(0);
      return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
    });
    value = value.replace(IGNORED, "").split("\u2212").join("-").split("\u066c").join("");
    value = value.split("\u066b").join(decimal);
    if (value.indexOf(decimal) >= 0) {
      value = value.split(other).join("");
    } else if (value.indexOf(other) >= 0) {
      var sign = value.charAt(0) === "+" || value.charAt(0) === "-" ? value.charAt(0) : "";
      var groups = value.slice(sign.length).split(other);
      var grouped = groups.length > 1 && groups[0].length >= 1 && groups[0].length <= 3 &&
        groups.slice(1).every(function (g) { return g.length === 3; });
      if (grouped && groups.every(function (g) { return /^[0-9]+$/.test(g); })) {
        value = sign + groups.join("");
      } else if (groups.length === 2) {
        value = value.split(other).join(decimal);
      } else {
        return null;
      }
    }
    value = value.split(decimal).join(".");
    if (!PLAIN_NUMBER.test(value)) { return null; }
    var number = Number(value);
    return isFinite(number) ? number : null;
  }

  // As calculator.format_number: Intl.NumberFormat always grouping, Latin digits, the server's symbols.
  function formatNumber(value, precision, locale) {
    var rounded = roundHalfAway(value, precision);
    var format = new Intl.NumberFormat(locale.tag, {
      minimumFractionDigits: precision, maximumFractionDigits: precision, useGrouping: "always"
    });
    var symbols = { group: locale.group, decimal: locale.decimal, minusSign: locale.minus };
    return format.formatToParts(rounded === 0 ? 0 : rounded).map(function (part) {
      if (Object.prototype.hasOwnProperty.call(symbols, part.type)) { return symbols[part.type]; }
      // Bidi marks around the sign (Arabic): Babel writes none, and neither do we.
      return part.type === "literal" ? part.value.replace(/[\u200e\u200f\u061c]/g, "") : part.value;
    }).join("");
  }

  var api = {
    evaluate: evaluate, compute: compute, shownValue: shownValue, bandFor: bandFor,
    readNumber: readNumber, formatNumber: formatNumber, EvaluationError: EvaluationError
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }
  window.LHCalculator = api;

  function byId(form, tag, id) {
    return Array.prototype.filter.call(form.getElementsByTagName(tag), function (element) {
      return element.getAttribute("id") === id;
    })[0];
  }

  function setUp(form) {
    var script = form.querySelector(":scope > script[type='application/json']");
    if (!script) { return; }
    var data = JSON.parse(script.textContent);
    var message = byId(form, "p", form.getAttribute("id") + "-message");

    function update() {
      var values = {};
      var valid = true;
      data.inputs.forEach(function (item) {
        var field = byId(form, "input", item.field);
        var error = byId(form, "span", item.field + "-error");
        var number = readNumber(field.value, data.locale);
        var problem = "";
        if (number === null) { problem = data.messages.number; }
        else if (number < item.min || number > item.max) { problem = item.range; }
        else { values[item.name] = number; }
        error.textContent = problem;
        error.hidden = !problem;
        if (problem) { field.setAttribute("aria-invalid", "true"); valid = false; }
        else { field.removeAttribute("aria-invalid"); }
      });
      var known = valid ? compute(data.formulas, values) : {};
      data.outputs.forEach(function (output) {
        var shown = byId(form, "output", output.id);
        var note = byId(form, "span", output.id + "-note");
        var text = "";
        var said = "";
        var failed = false;
        if (valid) {
          try {
            var value = known[output.name];
            if (value instanceof EvaluationError) { throw value; }
            var rounded = shownValue(value, output.precision);
            text = formatNumber(rounded, output.precision, data.locale);
            said = bandFor(output.bands, rounded);
          } catch (error) {
            if (!(error instanceof EvaluationError)) { throw error; }
            said = data.messages[error.code];
            failed = true;
          }
        }
        shown.textContent = text;
        note.textContent = said;
        note.className = failed ? "calc-note calc-note-error" : "calc-note";
      });
      if (message) {
        message.textContent = valid ? "" : data.messages.invalid;
        message.hidden = valid;
      }
    }

    form.addEventListener("input", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    form.setAttribute("data-live", "true");
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.calculator"), setUp);
}());
