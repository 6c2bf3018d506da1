"""What supervisors watch: overdue work by team and working-day age, handovers waiting for
acknowledgment, upcoming deadlines, the dashboard's trends and heatmap, overdue reminders
(claimed once, sent through the ``Notifier`` port), the statistics export, and the facts of a
warm handover that leave Staffel (package, invitation).

May import: ``execution``, ``people`` (visibility), ``law``, ``persistence``, ``ports``,
``audit``, the kernel. Never ``definitions`` or ``services``.
"""
