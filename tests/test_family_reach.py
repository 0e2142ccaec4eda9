"""Who a pupil brings into a school's reach: their parents and carers, who have no
membership of their own, and no one else of their family (api/access.py, person_in)."""

import pytest

import api.identity.accounts
from tests.api_world import FAST_HASHER, ServiceUnderTest, small_trust
from tests.builder import WorldBuilder


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    world = small_trust()
    other = (WorldBuilder().school("S3", "ninestiles", trust="TR9").pupil("Q1", "S3")
             .family("Q1", "sibling", "P1").family("GP1", "grandparent", "P1").build())
    served = ServiceUnderTest(tmp_path, world=world.merged(other))
    yield served
    served.close()


def test_a_pupils_parent_is_in_the_schools_reach_and_their_other_family_is_not(service):
    assert service.get("L1", "/api/people/M1").status_code == 200, "P1's parent"
    beyond = service.get("L1", "/api/people/Q1")
    nobody = service.get("L1", "/api/people/NOBODY")
    assert (beyond.status_code, beyond.json()) == (nobody.status_code,
                                                   {**nobody.json(), "detail": nobody.json()[
                                                       "detail"].replace("NOBODY", "Q1")})
    assert service.get("L1", "/api/people/GP1").status_code == 404, "a grandparent is no one's"
