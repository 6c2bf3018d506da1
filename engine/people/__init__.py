"""People who use Staffel and what they may see: users with roles and teams, argon2
passwords, bearer tokens (only their hash stored), and which cases a set of teams has or had a
task on.

May import: ``law`` (the team registry), ``persistence``, the kernel.
"""
