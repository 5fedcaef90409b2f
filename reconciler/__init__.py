"""reconciler: GitOps for incident.io alert routes.

The pipeline reads from the folder listing: load → validate → resolve → fetch → diff → plan → apply.
"""

__version__ = "0.1.0"
