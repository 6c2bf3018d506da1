/* bpmn-js and bpmnlint in the page language (issue 15, point 13). The page renders the words
   into <script type="application/json" id="editor-translations"> (web/pages/editor_i18n.py):
   {exact: {English template: text}, patterns: [[regular expression, text with $1..]]}.
   StaffelTranslate.module replaces bpmn-js's `translate` service (palette, context pad, the
   bpmnlint button and overlays); StaffelTranslate.text translates one finished message (the
   hint list beside the diagram). Load before editor.js. */
(function () {
  'use strict';
  var node = document.getElementById('editor-translations');
  var data = node ? JSON.parse(node.textContent) : {};
  var exact = data.exact || {};
  var patterns = (data.patterns || []).map(function (p) { return [new RegExp(p[0]), p[1]]; });

  function text(message) {
    if (Object.prototype.hasOwnProperty.call(exact, message)) { return exact[message]; }
    for (var i = 0; i < patterns.length; i += 1) {
      if (patterns[i][0].test(message)) { return message.replace(patterns[i][0], patterns[i][1]); }
    }
    return message;
  }

  function translate(template, replacements) {
    replacements = replacements || {};
    return text(template).replace(/{([^}]+)}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(replacements, key) ? replacements[key] : all;
    });
  }

  window.StaffelTranslate = { text: text, module: { translate: ['value', translate] } };
}());
