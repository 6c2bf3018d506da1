#!/usr/bin/env node
// Lint BPMN diagrams with bpmnlint and the repository's .bpmnlintrc.
//
//   node tools/lint_bpmn.mjs                      -> every bpmn/*.bpmn
//   node tools/lint_bpmn.mjs a.bpmn b.bpmn        -> the given files
//   node tools/lint_bpmn.mjs --config other.json  -> another config
//   node tools/lint_bpmn.mjs --max-warnings 0     -> warnings fail too
//   node tools/lint_bpmn.mjs --print-config       -> effective rules as JSON {rule: category}
//
// Every problem is printed as `file: element id: rule: message` (warnings end in
// " (warning)"); XML that bpmn-moddle cannot read completely (unknown elements, unresolved
// references) is reported under the rule name `import` and counts as an error.
// Exit status: 0 clean, 1 errors (or more warnings than --max-warnings), 2 usage/setup error.

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));

const { Linter } = requireFromRoot('bpmnlint');
const NodeResolver = requireFromRoot('bpmnlint/lib/resolver/node-resolver');
const { BpmnModdle } = requireFromRoot('bpmn-moddle');

const CATEGORY_ORDER = { error: 0, 'rule-error': 0, warn: 1, info: 2 };

function usage(message) {
  if (message) {
    console.error(`lint_bpmn: ${message}`);
  }
  console.error(
    'usage: node tools/lint_bpmn.mjs [--config .bpmnlintrc] [--max-warnings N] [--print-config] ' +
    '[file.bpmn ...]'
  );
  process.exit(2);
}

function parseArgs(argv) {
  const options = {
    config: path.join(ROOT, '.bpmnlintrc'),
    maxWarnings: -1,
    printConfig: false,
    files: []
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      usage();
    } else if (arg === '--config' || arg === '-c') {
      options.config = argv[++i] ?? usage('--config needs a path');
    } else if (arg === '--print-config') {
      options.printConfig = true;
    } else if (arg === '--max-warnings') {
      const value = Number.parseInt(argv[++i], 10);
      if (Number.isNaN(value)) {
        usage('--max-warnings needs a number');
      }
      options.maxWarnings = value;
    } else if (arg.startsWith('-')) {
      usage(`unknown option ${arg}`);
    } else {
      options.files.push(arg);
    }
  }
  return options;
}

async function defaultFiles() {
  const dir = path.join(ROOT, 'bpmn');
  let names;
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.bpmn'))
    .sort()
    .map((name) => path.relative(process.cwd(), path.join(dir, name)));
}

function firstLine(text) {
  return String(text).split(/\r?\n/)[0];
}

function createLinter(config) {
  return new Linter({
    config,
    resolver: new NodeResolver({ require: requireFromRoot })
  });
}

/** Reads one diagram and returns its problems as {id, rule, message, category}. */
async function lintFile(file, config, moddle) {
  let xml;
  try {
    xml = await readFile(file, 'utf-8');
  } catch (error) {
    return [{ id: '-', rule: 'read', message: error.message, category: 'error' }];
  }

  let rootElement;
  let warnings;
  try {
    ({ rootElement, warnings = [] } = await moddle.fromXML(xml, 'bpmn:Definitions'));
  } catch (error) {
    return [{ id: '-', rule: 'import', message: `cannot parse: ${firstLine(error.message)}`, category: 'error' }];
  }

  const problems = warnings.map((warning) => ({
    id: (warning.element && warning.element.id) || '-',
    rule: 'import',
    message: firstLine(warning.message),
    category: 'error'
  }));

  // A fresh linter per file: rule instances keep state (no-duplicate-sequence-flows does).
  const results = await createLinter(config).lint(rootElement, config);
  for (const [rule, reports] of Object.entries(results)) {
    for (const report of reports) {
      let id = report.id || '-';
      if (report.path && report.path.length) {
        id = `${id}#${report.path.join('.')}`;
      }
      problems.push({ id, rule, message: report.message, category: report.category });
    }
  }

  problems.sort((a, b) =>
    (CATEGORY_ORDER[a.category] ?? 3) - (CATEGORY_ORDER[b.category] ?? 3) ||
    a.id.localeCompare(b.id) || a.rule.localeCompare(b.rule));
  return problems;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));

  let config;
  try {
    config = JSON.parse(await readFile(options.config, 'utf-8'));
  } catch (error) {
    console.error(`lint_bpmn: cannot read config ${options.config}: ${error.message}`);
    process.exit(2);
  }

  if (options.printConfig) {
    const linter = createLinter(config);
    const rules = await linter.resolveConfiguredRules(config);
    const effective = {};
    for (const name of Object.keys(rules).sort()) {
      const { category } = linter.parseRuleValue(rules[name]);
      if (category !== 'off') {
        effective[name] = category;
      }
    }
    console.log(JSON.stringify(effective, null, 2));
    return 0;
  }

  const files = options.files.length ? options.files : await defaultFiles();
  if (!files.length) {
    console.log('lint_bpmn: no diagrams to lint');
    return 0;
  }

  const moddle = new BpmnModdle();

  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const problems = await lintFile(file, config, moddle);
    for (const problem of problems) {
      const isWarning = problem.category === 'warn' || problem.category === 'info';
      if (isWarning) {
        warnings += 1;
      } else {
        errors += 1;
      }
      const suffix = isWarning ? ` (${problem.category === 'warn' ? 'warning' : 'info'})` : '';
      console.log(`${file}: ${problem.id}: ${problem.rule}: ${problem.message}${suffix}`);
    }
  }

  const summary = `${files.length} file(s), ${errors} error(s), ${warnings} warning(s)`;
  const tooManyWarnings = options.maxWarnings >= 0 && warnings > options.maxWarnings;
  if (errors || tooManyWarnings) {
    console.error(`lint_bpmn: ${summary}`);
    return 1;
  }
  console.error(`lint_bpmn: ok, ${summary}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`lint_bpmn: ${error.stack || error}`);
    process.exit(2);
  }
);
