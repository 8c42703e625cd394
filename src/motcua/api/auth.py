"""Authentication of API calls: the hook for staff tokens.

Today every endpoint is public (the procedure catalogue), so :data:`DEFAULT_AUTH` is ``None``.

How staff tokens slot in (issue 4: ``POST /api/v1/dossiers``, ``motcua token create USERNAME``):

1. Add a token model (hashed key, user, created/last used, revoked) and a class here::

       class StaffToken(ninja.security.HttpBearer):
           def authenticate(self, request, token):
               user = <user of the active token whose hash matches, or None>
               request.user = user  # permissions.py then answers as for the workspace
               return user

2. Set ``DEFAULT_AUTH = StaffToken()``: every router that does not say otherwise then needs a
   token. Routers of public endpoints already say ``auth=PUBLIC`` (the catalogue does), so they
   stay open: the API is closed by default and open by declaration.
3. A missing or bad token is answered by ``errors.py`` as 401 ``not_authenticated``; a token
   whose user lacks the capability is 403 ``permission_denied`` (raise ``PermissionDenied`` or
   ``ninja.errors.AuthorizationError`` in the handler, after asking ``has_capability``).

Bearer tokens are not cookies, so these endpoints need no CSRF token; keep session
authentication out of the API (``csrf`` stays off).
"""

from __future__ import annotations

from typing import Any

# The authentication of every router that does not set its own (ninja's ``auth=``).
DEFAULT_AUTH: Any = None

# Marks a router or operation as public whatever DEFAULT_AUTH becomes (``auth=PUBLIC``).
PUBLIC: None = None
