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


# Two answers a check cannot judge from the document alone; each dropped failure is counted in
# the run's summary ("dropped by filter_failure"), and every other failure stands.
#
# - Schemathesis 4.32 draws header values in its coverage phase from letters and digits only, so
#   for a header whose pattern needs other characters (If-Match: `*` or quoted entity tags) it
#   sends a stand-in such as `0` and still calls the case valid. A "valid data rejected" failure
#   whose request breaks its own header schema is the generator's mistake, not the API's.
# - A write's precondition is evaluated before its body (a merge patch is checked against the
#   version it applies to, and a stale If-Match names another one), so an invalid body with a
#   well-formed but stale If-Match is answered 412. Only a 412 to a schema-valid If-Match is
#   excused: a malformed If-Match answered 412 (or anything but 4xx) still fails.
import jsonschema_rs
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData

_VALIDATORS = {}


def _header_parameters(case):
    for parameter in case.operation.get_parameter_set(ParameterLocation.HEADER):
        # The credentials are contract.sh's, sent over whatever the generator drew for them.
        if parameter.name.lower() != "authorization":
            yield parameter


def _is_valid(case, parameter, value):
    key = (case.operation.label, parameter.name)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema_rs.validator_for(parameter.validation_schema)
    return _VALIDATORS[key].is_valid(value)


def _sent_header(case, name):
    for key, value in (case.headers or {}).items():
        if key.lower() == name.lower() and isinstance(value, str):
            return value
    return None


# contract.sh counts what was dropped, by reason, from this file.
_DROPPED = os.environ.get("NOK_QUALITY_DROPPED")


def _drop(reason, case, response):
    if _DROPPED:
        with open(_DROPPED, "a", encoding="utf-8") as log:
            log.write(f"{reason}\t{case.operation.label}\t{response.status_code}\n")
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if isinstance(failure, RejectedPositiveData):
        for parameter in _header_parameters(case):
            value = _sent_header(case, parameter.name)
            if value is not None and not _is_valid(case, parameter, value):
                return _drop(f"generator stand-in for {parameter.name}", case, response)
    if isinstance(failure, AcceptedNegativeData) and response.status_code == 412:
        for parameter in _header_parameters(case):
            if parameter.name == "If-Match":
                value = _sent_header(case, "If-Match")
                if value is not None and _is_valid(case, parameter, value):
                    return _drop("412 to a well-formed stale If-Match before the body", case, response)
    return True
