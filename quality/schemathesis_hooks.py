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


# Schemathesis 4.32 draws header values in its coverage phase from letters and digits only, so
# for a header whose pattern needs other characters (If-Match: `*` or quoted entity tags) it
# sends a stand-in such as `0` and still calls the case valid. Such a case breaks the document's
# own schema: it is the generator's mistake, not a request the API must accept, so it is dropped
# here. Every other positive case, and every negative one, is sent as generated.
import jsonschema_rs
from schemathesis.core.parameters import ParameterLocation

_VALIDATORS = {}


def _header_is_valid(parameter, value):
    key = id(parameter)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema_rs.validator_for(parameter.validation_schema)
    return _VALIDATORS[key].is_valid(value)


@schemathesis.hook
def filter_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    headers = case.headers or {}
    for parameter in case.operation.get_parameter_set(ParameterLocation.HEADER):
        # The credentials are contract.sh's, sent over whatever the generator drew for them.
        if parameter.name.lower() == "authorization":
            continue
        value = headers.get(parameter.name)
        if isinstance(value, str) and not _header_is_valid(parameter, value):
            return False
    return True
