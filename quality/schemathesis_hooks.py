"""Schemathesis hooks for quality/contract.sh (loaded through SCHEMATHESIS_HOOKS).

Survey uploads take NDJSON, which the document describes as a string (one JSON object a line);
schemathesis knows no serializer for application/x-ndjson, so it sends such strings as text, the
way it sends text/csv.
"""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")

# Setting a password revokes every token issued to that user before (by design: see
# POST /api/v1/users/{id}/password). Done to the fuzzing caller's own account, it would revoke the
# token the rest of the run sends, and every later answer would be a 401. contract.sh passes that
# account's id; only those cases are dropped, the operation is fuzzed with every other id.
import os

SELF_ID = os.environ.get("NOK_QUALITY_SELF_ID")


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    operation = context.operation
    if SELF_ID is None or operation is None or not operation.path.startswith("/api/v1/users/{id}"):
        return True
    return str((path_parameters or {}).get("id")) != SELF_ID
