"""Exceptions raised by the worker part.

WorkerError
 └── LeadershipError          this worker cannot lead, or no longer leads
      ├── AlreadyRunningError   another worker leads, and this one will not wait (`--once`, `build`)
      └── LeadershipLostError   this leader lost its lock; it stops so that a standby can lead
"""

from __future__ import annotations


class WorkerError(Exception):
    """Base of every error of the worker part."""


class LeadershipError(WorkerError):
    """Base of the leadership errors: who leads is not this worker."""


class AlreadyRunningError(LeadershipError):
    """Another worker leads this deployment."""


class LeadershipLostError(LeadershipError):
    """This worker led, and lost its lock: another worker may lead now."""
