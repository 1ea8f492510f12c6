"""When things happen: the CLI, the scheduler, the pipeline stages and reconcile.

The only part that knows every other part; it wires them together.
"""
