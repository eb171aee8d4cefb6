"""Property-based API testing from the OpenAPI spec (schemathesis, in-process ASGI): no server errors for
valid or invalid requests, and every answer to a valid request matches its documented schema.

The operations are driven from plain tests (schemathesis' pytest plugin cannot take a fixture-built
app under the pytest in use); each operation gets its own bounded Hypothesis run.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from plumewatch.api.app import create_app
from plumewatch.api.settings import ApiSettings

EXAMPLES_PER_OPERATION = 15
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def operations(world):
    url, _, _ = world
    app = create_app(url, settings=ApiSettings(rate_limit="1000000/minute"))
    found = [
        result.ok() for result in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()
    ]
    assert len(found) >= 15
    return found


@pytest.mark.slow
@pytest.mark.parametrize("partner", ["de_person", "fr_green"])
def test_valid_requests_get_documented_answers(operations, headers, partner):
    for operation in operations:

        @given(case=operation.as_strategy())
        @BOUNDED
        def run(case):
            case.call_and_validate(
                headers=headers[partner], checks=[not_a_server_error, response_schema_conformance]
            )

        run()


@pytest.mark.slow
def test_invalid_requests_cause_no_server_error(operations, headers):
    all_inputs_valid = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @BOUNDED
        def run(case):
            case.call_and_validate(headers=headers["de_amber"], checks=[not_a_server_error])

        try:
            run()
        except Unsatisfiable:
            all_inputs_valid.append(operation.label)  # e.g. only free-text path parameters
    assert len(all_inputs_valid) < len(operations) / 2, all_inputs_valid
