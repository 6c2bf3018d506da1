// bpmnlint plug-in "staffel": rules that mirror Staffel's deploy checks, so that the editor
// (bpmn-js-bpmnlint) and tools/lint_bpmn.mjs show a problem before the server refuses the
// diagram. Used in .bpmnlintrc as "plugin:staffel/recommended"; the rules live in ./rules
// (bpmnlint resolves `staffel/<name>` to bpmnlint-plugin-staffel/rules/<name>.js).
'use strict';

module.exports = {
  configs: {
    recommended: {
      rules: {
        // engine/definitions/flow_checks.py: wait_problems (RULE_WAIT)
        'unwatched-wait': 'error'
      }
    }
  }
};
