"""Process definitions: hardened XML parsing, deploy-time validation (every expression
compiled in the sandbox), deploying by content hash, forms and message schemas, versions with
their diff and migration checks, the editor's drafts, the DMN tables, sample data for test
runs, and the outline (user tasks, call activities) pages show.

May import: ``execution`` (the parser, the sandbox), ``law``, ``persistence``, the kernel.
Never ``supervision``, ``people``, ``imports``, ``services``.
"""
