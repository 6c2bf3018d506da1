"""Running cases: SpiffWorkflow glue and the spec cache, the RestrictedPython sandbox and the
helpers scripts may call, a :class:`~engine.execution.runtime.Run` that loads, steps and saves
one instance in one transaction, and what a save keeps in step with the state: human tasks,
timers, message waits, handovers, case effects. Also the injectable clock and the scheduler.

May import: ``law``, ``persistence``, the kernel (``errors``, ``model``, ``states``),
``audit`` and ``ports``. Never ``definitions``, ``supervision``, ``people``, ``services``.
"""
