// Rule "unwatched-wait": every wait for an outside event must be watched by a timer, exactly
// like the server's deploy check (engine/definitions/flow_checks.py, wait_problems):
//
// * an event-based gateway needs a timer branch: an outgoing sequence flow to an intermediate
//   catch event with a timerEventDefinition;
// * a message intermediate catch event is only watched when one of its incoming sequence flows
//   comes from such a watched event-based gateway;
// * a receive task needs a boundary event with a timerEventDefinition attached to it.
//
// Like the server, every container (process, subProcess, transaction, adHocSubProcess) is
// checked on its own: only the flows, timers and boundary events directly inside it count.
// The messages are the server's, so the editor and a refused deploy read the same.
'use strict';

const { is, isAny } = require('bpmnlint-utils');

const CONTAINERS = [ 'bpmn:Process', 'bpmn:SubProcess', 'bpmn:Transaction', 'bpmn:AdHocSubProcess' ];

function hasDefinition(node, type) {
  return (node.eventDefinitions || []).some((definition) => is(definition, type));
}

function catches(node, type) {
  return is(node, 'bpmn:IntermediateCatchEvent') && hasDefinition(node, type);
}

function idOf(ref) {
  return ref && ref.id;
}

/**
 * The problems of one container: [ [elementId, message], ... ].
 *
 * @param {Object} container a bpmn:Process or bpmn:SubProcess (or a subtype)
 */
function containerProblems(container) {
  const elements = container.flowElements || [];
  const sources = new Map(); // target id -> source ids
  const targets = new Map(); // source id -> target ids

  for (const flow of elements.filter((element) => is(element, 'bpmn:SequenceFlow'))) {
    const source = idOf(flow.sourceRef) || '';
    const target = idOf(flow.targetRef) || '';
    if (!sources.has(target)) {
      sources.set(target, []);
    }
    sources.get(target).push(source);
    if (!targets.has(source)) {
      targets.set(source, []);
    }
    targets.get(source).push(target);
  }

  const timed = new Set(elements
    .filter((element) => catches(element, 'bpmn:TimerEventDefinition'))
    .map((element) => element.id));
  const watchedGateways = new Set(elements
    .filter((element) => is(element, 'bpmn:EventBasedGateway') &&
      (targets.get(element.id) || []).some((target) => timed.has(target)))
    .map((element) => element.id));
  const bounded = new Set(elements
    .filter((element) => is(element, 'bpmn:BoundaryEvent') &&
      hasDefinition(element, 'bpmn:TimerEventDefinition'))
    .map((element) => idOf(element.attachedToRef)));

  const problems = [];
  for (const element of elements) {
    const id = element.id;
    if (is(element, 'bpmn:EventBasedGateway')) {
      if (!watchedGateways.has(id)) {
        problems.push([ id, `event-based gateway ${id} has no timer branch: a case could wait forever` ]);
      }
    } else if (catches(element, 'bpmn:MessageEventDefinition')) {
      if (!(sources.get(id) || []).some((source) => watchedGateways.has(source))) {
        problems.push([ id, `message wait ${id} has no timer alternative: put it behind an ` +
          'event-based gateway with a follow-up timer (Watch_<message>)' ]);
      }
    } else if (is(element, 'bpmn:ReceiveTask')) {
      if (!bounded.has(id)) {
        problems.push([ id, `receive task ${id} has no boundary timer: a case could wait forever` ]);
      }
    }
  }
  return problems;
}

module.exports = function() {

  function check(node, reporter) {
    if (!isAny(node, CONTAINERS)) {
      return;
    }
    for (const [ id, message ] of containerProblems(node)) {
      reporter.report(id, message);
    }
  }

  return {
    meta: {
      docs: {
        description: 'Every wait for an outside event (message catch event, event-based ' +
          'gateway, receive task) is watched by a timer, as the server requires for a deploy.'
      }
    },
    check
  };
};
