"""The review service on each store: the same cases, kept current the same way, whether
the facts live in the embedded store or in Neo4j."""

import pytest

import api.identity.accounts
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(request, tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    if request.param == "neo4j":
        store = request.getfixturevalue("neo4j_store")
    else:
        store = EmbeddedStore(tmp_path / "data")
    service = ServiceUnderTest(tmp_path, store=store)
    yield service
    service.http.close()
    service.register.close()


def test_cases_follow_the_facts_on_every_store(served):
    case = served.case_of("pupil-contact", "T1", "P1")
    assert case["finding"]["route_to"] == ["H1", "L1", "D1"]
    declaration = served.post("T1", "/api/declarations",
                              json={"counterpart_id": "M1", "basis": "family_friend"}).json()
    resolved = served.get("L1", f"/api/cases/{case['finding_id']}").json()
    assert resolved["state"] == "resolved"
    assert resolved["history"][-1]["reason"] == (
        "the rule no longer fires: T1 declared a relationship with M1")
    required = served.case_of("declaration-required", "T1", "P1")
    served.post("L1", f"/api/declarations/{declaration['declaration_id']}/decision",
                json={"decision": "accepted", "reason": "known family friends"})
    assert served.get("L1", f"/api/cases/{required['finding_id']}").json()["state"] == "resolved"


def test_reads_by_person_and_school_on_every_store(served):
    people = served.get("L1", "/api/people", params={"name": "familyp"}).json()
    assert [p["person_id"] for p in people] == ["P1"]
    detail = served.get("L1", "/api/people/P1").json()
    assert [(m["school_id"], m["role"]) for m in detail["memberships"]] == [("S1", "pupil")]
    network = served.get("L1", "/api/people/P1/network", params={"depth": 2}).json()
    assert {p["person_id"] for p in network["people"]} == {"P1", "M1", "T1"}
    assert served.get("T1", "/api/connections").json()[0]["connection_id"] == "C1"
    made = served.post("T2", "/api/connections", json={"other_id": "P1", "channel": "x"})
    connection_id = made.json()["connection_id"]
    assert served.delete("T2", f"/api/connections/{connection_id}").status_code == 204
    assert served.get("T2", f"/api/connections/{connection_id}").status_code == 404


def test_the_embedded_reads_match_the_generic_ones_every_store_inherits(tmp_path):
    from graph.store.base import Store
    from tests.api_world import small_trust
    from tests.builder import WorldBuilder

    world = small_trust()
    extra = (WorldBuilder().declare("T1", "M1", "family_friend", declaration_id="D1")
             .declare("L1", "P1", "family_member", "accepted", "H1", declaration_id="D2")
             .approach("T1", "P1", report_id="R1").family("G9", "grandparent", "M1")
             .build())
    world.declarations.update(extra.declarations)
    world.approaches.update(extra.approaches)
    world.family_links += extra.family_links
    world.people.update(extra.people)
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(world)
        for person_id in ("P1", "T1", "M1", "L1", "NOBODY"):
            for method in ("person", "memberships_of", "declarations_of", "connections_of",
                           "approaches_of"):
                assert getattr(store, method)(person_id) == getattr(Store, method)(
                    store, person_id), (method, person_id)
            for depth in (1, 2, 3):
                fast, generic = store.network(person_id, depth), Store.network(store, person_id,
                                                                              depth)
                assert set(fast.people) == set(generic.people), (person_id, depth)
                assert sorted(fast.family_links, key=lambda f: f.key) == sorted(
                    generic.family_links, key=lambda f: f.key)
                assert fast.connections == generic.connections
                assert fast.declarations == generic.declarations
                assert sorted(fast.memberships, key=lambda m: m.key) == sorted(
                    generic.memberships, key=lambda m: m.key)
        for school_id in ("S1", "S2", "S9"):
            for name in ("", "familyt", "FAMILYP1", "zzz"):
                assert store.people_at(school_id, name) == Store.people_at(store, school_id, name)
            assert store.declarations_at(school_id) == Store.declarations_at(store, school_id)
        assert store.schools() == Store.schools(store)
        for getter, key in (("declaration", "D1"), ("connection", "C1"), ("approach", "R1")):
            assert getattr(store, getter)(key) == getattr(Store, getter)(store, key) is not None
        assert store.network("P1", 1, max_people=2).people.keys() == {"P1", "M1"}
