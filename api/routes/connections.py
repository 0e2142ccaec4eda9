"""Connections on personal channels: staff declare their own, and any adult may report one
they have seen between two other people."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.access import check_names_person, check_sees_connection, deny, is_reviewer, may_see_person
from api.identity import AccountRole
from api.deps import ActorDep, RegisterDep, RegisterUser, SchoolAccount
from api.errors import invalid, not_found
from api.routing import InOrderRoute
from api.schemas import ID_PATTERN, ConnectionCreate, ConnectionPublic, ConnectionReport
from graph.model import Connection, ConnectionSource, World

router = APIRouter(route_class=InOrderRoute, prefix="/connections", tags=["connections"])

ConnectionId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


def _connection(register, connection_id: str) -> Connection:
    connection = register.store.connection(connection_id)
    if connection is None:
        raise not_found("connection", connection_id)
    return connection


@router.get("", response_model=list[ConnectionPublic])
def list_connections(
    register: RegisterDep, account: RegisterUser,
    person_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN,
                                           description="leaders: whose connections")] = None,
) -> list[ConnectionPublic]:
    """Staff: their own connections. Senior leaders and the DSL: those of a person at
    their school."""
    if account.role is AccountRole.STAFF:
        if person_id not in (None, account.person_id):
            raise deny("staff see only their own connections")
        person_id = account.person_id
    elif is_reviewer(account):
        if person_id is None:
            raise invalid("person_id", "name whose connections", where="query")
        if not may_see_person(account, register.store, person_id, on=register.today()):
            raise deny("you may only see connections of people at your school")
    else:
        raise deny("only staff and leaders see connections")
    return [ConnectionPublic.of(c) for c in register.store.connections_of(person_id)]


@router.post("", response_model=ConnectionPublic, status_code=status.HTTP_201_CREATED)
def declare_connection(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                       body: ConnectionCreate) -> ConnectionPublic:
    """Declare a connection of your own with someone."""
    if body.other_id == account.person_id:
        raise invalid("other_id", "a connection joins two people")
    check_names_person(account, register.store, body.other_id, "other_id", on=register.today())
    connection = Connection(f"C-{uuid.uuid4().hex[:12]}", account.person_id, body.other_id,
                            body.channel, body.direction, body.first_seen or register.today(),
                            ConnectionSource.DECLARED)
    _add(register, actor, connection, "declared")
    return ConnectionPublic.of(connection)


@router.post("/reports", response_model=ConnectionPublic, status_code=status.HTTP_201_CREATED)
def report_connection(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                      body: ConnectionReport) -> ConnectionPublic:
    """Report a connection you have seen between two people, both within your reach."""
    if body.person_id == body.other_id:
        raise invalid("other_id", "a connection joins two people")
    check_names_person(account, register.store, body.person_id, "person_id", on=register.today())
    check_names_person(account, register.store, body.other_id, "other_id", on=register.today())
    connection = Connection(f"C-{uuid.uuid4().hex[:12]}", body.person_id, body.other_id,
                            body.channel, body.direction, body.first_seen or register.today(),
                            ConnectionSource.REPORTED)
    _add(register, actor, connection, "reported", details=body.details)
    return ConnectionPublic.of(connection)


def _add(register, actor, connection: Connection, how: str, **details) -> None:
    """Store a new connection; `how` is declared or reported."""
    register.change_facts(
        actor, f"connection.{how}", "connection", object_id=connection.connection_id,
        subjects=[connection.person_id, connection.other_id],
        upsert=World(connections={connection.connection_id: connection}),
        cause=f"a connection between {connection.person_id} and {connection.other_id} {how}",
        **details)


@router.get("/{connection_id}", response_model=ConnectionPublic)
def get_connection(register: RegisterDep, account: RegisterUser,
                   connection_id: ConnectionId) -> ConnectionPublic:
    connection = _connection(register, connection_id)
    check_sees_connection(account, register.store, connection, on=register.today())
    return ConnectionPublic.of(connection)


@router.delete("/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_connection(register: RegisterDep, account: SchoolAccount, actor: ActorDep,
                        connection_id: ConnectionId) -> Response:
    """Withdraw a connection you declared yourself (ended, or a mistake)."""
    with register.lock:
        connection = _connection(register, connection_id)
        if connection.source is not ConnectionSource.DECLARED \
                or connection.person_id != account.person_id:
            raise deny("you may withdraw only a connection you declared yourself")
        register.change_facts(
            actor, "connection.withdraw", "connection", object_id=connection_id,
            subjects=[connection.person_id, connection.other_id],
            remove_connection=connection_id, cause=f"{connection.person_id} withdrew a connection with {connection.other_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
