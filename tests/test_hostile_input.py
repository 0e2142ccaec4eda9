"""The service under hostile input: bodies capped before anything reads them, the API and
its docs sent with security headers, writes limited per account, and 422s that do not
repeat what was sent. Each test reproduces a hole a probe of the running service found."""

import asyncio
import re

import pytest

import api.identity.accounts
from api.settings import Settings
from tests.api_world import FAST_HASHER, ServiceUnderTest
from tests.api_world import service  # noqa: F401 (a fixture)

MB = 1024 * 1024


def call(app, method, path, headers, chunks):
    """Drive the ASGI app directly, feeding the body in 64 KiB chunks (endlessly, if
    `chunks` is None), and count how much of the body the service pulled."""
    pulled = 0
    answer = {"status": None, "body": b""}
    chunk = b"x" * 65536

    async def receive():
        nonlocal pulled
        if chunks is not None and pulled >= chunks * len(chunk):
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "scheme": "https", "server": ("testserver", 443),
             "client": ("10.0.0.9", 5000), "http_version": "1.1", "app": app,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    return answer["status"], pulled, answer["body"]


def test_a_huge_declared_body_is_refused_before_it_is_read(service):
    status, pulled, _ = call(service.app, "POST", "/api/declarations",
                             {"content-length": str(300 * MB), "content-type": "application/json"},
                             chunks=None)
    assert status == 413 and pulled == 0


def test_a_huge_chunked_body_is_cut_off_at_the_cap(service):
    status, pulled, body = call(service.app, "POST", "/api/declarations",
                                {"content-type": "application/json"}, chunks=None)
    assert status == 413
    assert pulled <= Settings().max_body_bytes + 65536, "read no further than the cap"
    assert b"larger than" in body


def test_imports_are_for_signed_in_trust_admins_before_their_larger_cap(service):
    big = {"content-length": str(50 * MB), "content-type": "multipart/form-data; boundary=x"}
    status, pulled, _ = call(service.app, "POST", "/api/imports", big, chunks=None)
    assert status == 401 and pulled == 0
    as_staff = {**big, "authorization": f"Bearer {service.tokens['T1']}"}
    status, pulled, _ = call(service.app, "POST", "/api/imports", as_staff, chunks=None)
    assert status == 403 and pulled == 0
    over = {"content-length": str(Settings().max_import_bytes + 2 * MB),
            "content-type": "multipart/form-data; boundary=x",
            "authorization": f"Bearer {service.tokens['admin']}"}
    status, pulled, _ = call(service.app, "POST", "/api/imports", over, chunks=None)
    assert status == 413 and pulled == 0
    # Under the import cap, an admin's body is read (here refused as no form at all).
    status, pulled, _ = call(service.app, "POST", "/api/imports",
                             {**over, "content-length": str(2 * MB)}, chunks=32)
    assert status == 400 and pulled > 0


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/api/health", "/api/cases"])
def test_the_api_and_its_docs_send_security_headers(service, path):
    answer = service.http.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "same-origin"


def test_pages_keep_their_own_policy(service):
    from api.pages.common import CONTENT_SECURITY_POLICY

    assert service.http.get("/sign-in").headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_writes_are_limited_per_account(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    served = ServiceUnderTest(tmp_path, settings=Settings(write_burst=5, writes_per_minute=6))
    try:
        body = {"counterpart_id": "M1", "basis": "family_friend"}
        answers = [served.post("T1", "/api/declarations", json=body).status_code
                   for _ in range(6)]
        assert answers[:5] == [201] * 5 and answers[5] == 429
        refused = served.post("T1", "/api/declarations", json=body)
        assert int(refused.headers["retry-after"]) >= 1
        assert "wait" in refused.json()["detail"]
        assert served.post("T2", "/api/declarations", json=body).status_code == 201, \
            "another account is not held up"
        assert served.get("T1", "/api/declarations").status_code == 200, "reads are not limited"
    finally:
        served.close()


def test_a_422_names_the_field_without_repeating_the_input(service):
    secret = "Ella Morgan lives at 4 Privet Drive " * 20
    answer = service.post("T1", "/api/declarations",
                          json={"counterpart_id": "M1", "basis": secret})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "basis"
    assert "Privet" not in answer.text


UPLOADS = ["/api/approaches", "/api/approaches/R1/evidence", "/my/approaches",
           "/my/download-check", "/api/imports", "/admin/import"]


@pytest.mark.parametrize("path", UPLOADS)
def test_an_upload_without_a_session_is_refused_before_its_body_is_read(service, path,
                                                                        monkeypatch):
    import tempfile

    spooled = []
    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "write",
                        lambda self, data: spooled.append(len(data)))
    form = {"content-type": "multipart/form-data; boundary=x"}
    for headers in (form, {**form, "content-length": str(10 * MB)},
                    {**form, "authorization": "Bearer not-a-session"},
                    {**form, "cookie": "relreg_session=not-a-session"}):
        status, pulled, body = call(service.app, "POST", path, headers, chunks=None)
        assert status == 401 and pulled == 0, (headers, body)
        assert b"sign in first" in body
    assert spooled == [], "no temporary file was written"


@pytest.mark.parametrize("path, who", [("/api/approaches", "auditor"),
                                       ("/my/download-check", "admin"),
                                       ("/my/download-check", "auditor"),
                                       ("/api/imports", "T1")])
def test_an_upload_from_a_role_that_may_not_make_it_is_refused_unread(service, path, who):
    headers = {"content-type": "multipart/form-data; boundary=x",
               "authorization": f"Bearer {service.tokens[who]}"}
    status, pulled, _ = call(service.app, "POST", path, headers, chunks=None)
    assert status == 403 and pulled == 0


def test_the_download_check_takes_what_its_page_promises(service):
    from api.guards import FORM_SLACK

    limit = Settings().max_download_bytes
    assert limit == 200 * MB
    staff = {"content-type": "multipart/form-data; boundary=x",
             "authorization": f"Bearer {service.tokens['T1']}"}
    over = {**staff, "content-length": str(limit + FORM_SLACK + 1)}
    status, pulled, body = call(service.app, "POST", "/my/download-check", over, chunks=None)
    assert status == 413 and pulled == 0
    # A download over the service-wide 1 MiB cap, which used to refuse it, is checked.
    from tests.download_world import facebook_friends

    download = facebook_friends(["Ella Morgan"]) + b" " * (2 * MB)
    checked = service.post("T1", "/my/download-check",
                           files={"download": ("your_friends.json", download, "application/json")})
    assert checked.status_code == 200
    assert re.search(r"1 entr(y|ies) read from Facebook", " ".join(checked.text.split()))


def test_no_route_takes_a_status_code_from_the_request(service):
    """A route's parameters are what a request may set: none may be a status or a
    redirect code (GET /declarations?status_code=500 once answered 500)."""
    from fastapi.routing import APIRoute

    taken = []
    for route in service.app.routes:
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        params = [*dependant.query_params, *dependant.body_params]
        stack = list(dependant.dependencies)
        while stack:
            sub = stack.pop()
            params += [*sub.query_params, *sub.body_params]
            stack += sub.dependencies
        taken += [(route.path, p.name) for p in params
                  if "status_code" in p.name or p.name in ("code_", "redirect_code")]
    assert taken == []
    assert service.get("L1", "/declarations?status_code=500").status_code == 200
