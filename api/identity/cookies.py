"""The session cookie, and whether a request came over an encrypted connection.

A cookie is `Secure` whenever the request reached the service over HTTPS: directly, or
through a proxy named in RELREG_TRUSTED_PROXIES that says so in X-Forwarded-Proto (the
app believes those headers from those addresses only). A sign-in over plain HTTP from
another machine works, unless RELREG_REQUIRE_HTTPS is set, and the trust admins are
warned on their pages until one of them has seen it (Register.begin_session keeps it);
docs/deployment.md says how to set up HTTPS.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request, Response

from api.settings import Settings

COOKIE_NAME = "relreg_session"


def over_https(request: Request) -> bool:
    return request.url.scheme == "https"


def from_this_machine(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def plain_http_from_elsewhere(request: Request) -> bool:
    """Passwords and session cookies would cross the network unencrypted."""
    return not over_https(request) and not from_this_machine(request)


def set_session_cookie(response: Response, request: Request, settings: Settings,
                       token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, httponly=True, secure=over_https(request),
                        samesite="lax", max_age=int(settings.session_hours * 3600), path="/")


def delete_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", secure=over_https(request), httponly=True,
                           samesite="lax")
