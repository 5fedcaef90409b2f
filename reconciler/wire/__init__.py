"""A route as incident.io sees it: the v2 and v3 alert-route payloads ⇄ the one route model (`reconciler.route`).

Pure: no I/O. `decode` reads a response or a payload of either version (labels, subject/operation objects and the
server's echoes undone) into a canonical `Route`; `encode` writes the create payload of a version, or refuses a
route that version cannot carry (`WireRefusal`), so nothing is ever dropped on the way.
"""

from reconciler.wire.common import WireRefusal
from reconciler.wire.versions import API_VERSIONS, ApiVersion, decode, encode, refusal

__all__ = ["API_VERSIONS", "ApiVersion", "WireRefusal", "decode", "encode", "refusal"]
