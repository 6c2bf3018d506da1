// Plausibility rules of a task form in the page (the server check stays authoritative).
//
// A date input with data-rules='[{bound, strict, limit, other, message}]' (written by
// web/forms_render.py from the form's "x-rules") gets min/max from the rules, also from the
// value of another field ("other": its input id), and shows the rule's message next to the
// field as soon as a value breaks it ({limit} in the message is the limit, as a date of the
// page's language). An optional field whose group has data-required-if='[{field: value}]'
// is labelled "required" while one of the conditions holds.
(function () {
  "use strict";

  var lang = document.documentElement.lang || "de";

  function day(value) {
    return value ? value.slice(0, 10) : "";
  }

  function shift(iso, days) {
    var d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function shown(iso) {
    var d = new Date(iso + "T12:00:00Z");
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(d);
  }

  function limitOf(rule) {
    if (rule.limit) return rule.limit;
    var other = rule.other && document.getElementById(rule.other);
    return other ? day(other.value) : "";
  }

  function broken(rule, value, limit) {
    if (rule.bound === "min") return rule.strict ? value <= limit : value < limit;
    return rule.strict ? value >= limit : value > limit;
  }

  function showMessage(input, text) {
    var id = input.id + "-client-error";
    var box = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!text) {
      if (box) box.remove();
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", described.filter(function (d) { return d !== id; }).join(" "));
      return;
    }
    if (!box) {
      box = document.createElement("p");
      box.className = "field-error";
      box.id = id;
      box.setAttribute("aria-live", "polite");
      input.parentNode.insertBefore(box, input);
    }
    box.textContent = text;
    input.setAttribute("aria-invalid", "true");
    if (described.indexOf(id) < 0) described.push(id);
    input.setAttribute("aria-describedby", described.join(" "));
  }

  function check(input, touched) {
    var rules = JSON.parse(input.dataset.rules || "[]");
    var local = input.type === "datetime-local";
    var bounds = { min: "", max: "" };
    var message = "";
    var value = day(input.value);
    rules.forEach(function (rule) {
      var limit = limitOf(rule);
      if (!limit) return;
      var edge = rule.strict ? shift(limit, rule.bound === "min" ? 1 : -1) : limit;
      var current = bounds[rule.bound];
      if (!current || (rule.bound === "min" ? edge > current : edge < current)) {
        bounds[rule.bound] = edge;
      }
      if (!message && value && broken(rule, value, limit)) {
        message = rule.message.replace("{limit}", shown(limit));
      }
    });
    if (bounds.min) input.min = local ? bounds.min + "T00:00" : bounds.min;
    if (bounds.max) input.max = local ? bounds.max + "T23:59" : bounds.max;
    if (touched) {
      var old = document.getElementById(input.id + "-error");
      if (old) old.hidden = true; // the server's message was about the earlier value
      showMessage(input, message);
    }
  }

  function chosen(form, name) {
    var field = form.elements.namedItem(name);
    if (!field) return null;
    if (field instanceof RadioNodeList || field.type === "radio") {
      var picked = Array.prototype.find.call(form.querySelectorAll("[name='" + name + "']"),
        function (el) { return el.checked; });
      return picked ? picked.value : null;
    }
    return field.value;
  }

  function requirements(form) {
    form.querySelectorAll("[data-required-if]").forEach(function (group) {
      var conditions = JSON.parse(group.dataset.requiredIf || "[]");
      var holds = conditions.some(function (condition) {
        return Object.keys(condition).every(function (name) {
          return chosen(form, name) === String(condition[name]);
        });
      });
      group.querySelectorAll(".req").forEach(function (label) {
        label.textContent = holds ? group.dataset.textRequired : group.dataset.textOptional;
      });
      group.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (holds) el.setAttribute("aria-required", "true");
        else el.removeAttribute("aria-required");
      });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-rules]"));
    var hasConditions = form.querySelector("[data-required-if]");
    if (!inputs.length && !hasConditions) return;
    inputs.forEach(function (input) { check(input, false); });
    form.addEventListener("change", function (event) {
      inputs.forEach(function (input) {
        var rules = JSON.parse(input.dataset.rules || "[]");
        var related = rules.some(function (rule) { return rule.other === event.target.id; });
        if (input === event.target || related) check(input, input === event.target || !!input.value);
      });
      if (hasConditions) requirements(form);
    });
    if (hasConditions) requirements(form);
  });
})();
