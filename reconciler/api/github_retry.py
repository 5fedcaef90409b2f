"""Which GitHub answers are worth another try, and how long GitHub asked us to wait.

The GitHub client retries with the incident.io client's policy (`api/retry.py`: the same matrix, backoff and
budgets), so both speak its exceptions while retrying: a primary or secondary rate limit is `RateLimited` (any
method: GitHub did nothing), a 5xx is `ServerError` (retried for reads only: a POST may have created a comment), no
response is `TransportFailure`. Whatever is still failing when the policy gives up becomes a `GitHubError`.

GitHub's rate limits (docs.github.com, "Rate limits for the REST API"): a 403 or 429 with `retry-after` (seconds),
or with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds); a secondary limit without either
header asks for at least a minute.
"""

from __future__ import annotations

import httpx

from reconciler.errors import ApiError, RateLimited, ServerError

SECONDARY_DEFAULT_WAIT = 60.0  # "wait for at least one minute before retrying"


def rate_limit_wait(response: httpx.Response, message: str, now: float) -> float | None:
    """Seconds GitHub asked us to wait when `response` is a (primary or secondary) rate limit, else None."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after.strip()))
        except ValueError:
            return SECONDARY_DEFAULT_WAIT
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(headers.get("x-ratelimit-reset", "")) - now)
        except ValueError:
            return SECONDARY_DEFAULT_WAIT
    if "rate limit" in message.lower() or response.status_code == 429:
        return SECONDARY_DEFAULT_WAIT
    return None  # an ordinary 403: the token lacks a permission


def retryable(response: httpx.Response, said: str, method: str, path: str, now: float) -> ApiError | None:
    """The retry policy's exception for a response worth retrying (GitHub's own message is `said`), else None."""
    wait = rate_limit_wait(response, said, now)
    message = f"GitHub answered {method} {path} with {response.status_code}{': ' + said if said else ''}"
    if wait is not None:
        message += " (rate limited; retried until the retry budget ran out)"
    if wait is not None:
        limited = RateLimited(message, method=method, path=path, status=response.status_code)
        limited.retry_after = wait
        return limited
    if response.status_code >= 500:
        return ServerError(message, method=method, path=path, status=response.status_code)
    return None
