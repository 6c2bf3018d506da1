"""The services the façade :class:`~engine.facade.Staffel` is made of, one module each
(``cases``, ``tasks``, ``messages``, ``timers`` + clock, ``definitions``, ``drafts``,
``migrations``, ``testruns``, ``supervision``, ``handovers``, ``people``, ``imports``,
``audit``), sharing one :class:`~engine.services.context.EngineContext`. One method, one
transaction.

May import every room. Nothing but the façade imports a service; services may call each
other only through what the façade hands them (the import service gets the message service).
"""
