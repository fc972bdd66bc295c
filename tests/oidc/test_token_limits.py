"""One app's token and revocation calls are capped per minute (a leaked secret, a loop gone wrong)."""

from dataclasses import replace

import pytest


@pytest.fixture
def settings(settings):
    return replace(settings, token_requests_per_client_minute=3)


def test_an_apps_token_requests_are_capped_per_minute(prints, server, clock):
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    answers = [server.post("/token", data=data, auth=(prints.client_id, prints.client_secret)) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert answers[-1].json()["error"] == "slow_down" and int(answers[-1].headers["Retry-After"]) <= 60
    clock.advance(61)
    assert server.post("/token", data=data, auth=(prints.client_id, prints.client_secret)).status_code == 400
