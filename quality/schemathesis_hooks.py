"""Schemathesis hooks for quality/contract.sh (loaded through SCHEMATHESIS_HOOKS).

Survey uploads take NDJSON, which the document describes as a string (one JSON object a line);
schemathesis knows no serializer for application/x-ndjson, so it sends such strings as text, the
way it sends text/csv.
"""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
