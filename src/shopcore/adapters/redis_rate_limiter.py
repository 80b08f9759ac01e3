"""Fixed-window rate limiting in Redis, shared by every process and machine.

Each check is one Lua script run by Redis itself, so counting, the expiry of a new
window and the take-back of a refused hit happen atomically: two processes hitting
the same key at the same moment can never both slip under the limit (there is no
read-modify-write in Python).

A window starts with the first hit on a key and lasts ``window_seconds`` (the key's
TTL); refused hits are not counted, so a client that keeps knocking does not extend
its own ban. When Redis does not answer, ``redis.exceptions.ConnectionError`` (or
``TimeoutError``) propagates: the limiter fails closed rather than letting traffic
through uncounted. The client of :func:`build_redis_client` makes a burst of callers
wait for one of its connections; a caller that waits longer than the pool's timeout gets
that same ``ConnectionError`` ("No connection available."), as if Redis were down.
"""

from __future__ import annotations

import math

from redis.asyncio import BlockingConnectionPool, Redis

DEFAULT_PREFIX = "shopcore:rl:"
MAX_CONNECTIONS = 50
"""Connections one process opens at most: each check holds one for a round trip."""
POOL_TIMEOUT_SECONDS = 2.0
"""How long a caller waits for a free connection before failing as an outage does."""

# KEYS[1] counter; ARGV[1] limit, ARGV[2] window in ms.
# Returns -1 when the hit is counted, else the milliseconds left in the window.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if count > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return ttl
end
return -1
"""

# KEYS[1] counter. Takes back one hit if any is counted (the TTL is kept).
_UNDO = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
"""


class RedisRateLimiter:
    """``RateLimiter`` on a shared Redis, keys under ``prefix`` (``shopcore:rl:``).

    The client is owned by the caller (the container closes it on shutdown).
    """

    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT)
        self._undo = client.register_script(_UNDO)

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one event under ``key``; seconds to wait when ``limit`` is reached."""
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        left_ms = int(await self._hit(keys=[self._key(key, window_seconds)],
                                      args=[limit, window_seconds * 1000]))
        if left_ms < 0:
            return None
        return max(1, math.ceil(left_ms / 1000))

    async def undo(self, key: str, window_seconds: int) -> None:
        """Take back one counted event of the current window (never below zero)."""
        await self._undo(keys=[self._key(key, window_seconds)], args=[])

    def _key(self, key: str, window_seconds: int) -> str:
        # The window length is part of the key: the same name counted over an hour
        # and over a minute are two different counters.
        return f"{self._prefix}{window_seconds}:{key}"


def build_redis_client(url: str, *, max_connections: int = MAX_CONNECTIONS,
                       pool_timeout: float = POOL_TIMEOUT_SECONDS) -> Redis:
    """A client of the Redis at ``url`` (no connection is made until first use) on a
    blocking pool: past ``max_connections`` busy connections, a caller waits up to
    ``pool_timeout`` seconds for one to be free instead of failing at once (redis-py's
    default pool refuses the 101st concurrent caller with ``MaxConnectionsError``).

    The client owns its pool; the caller closes it (``await client.aclose()``).
    """
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=pool_timeout,
        socket_connect_timeout=2, socket_timeout=2, health_check_interval=30)
    return Redis.from_pool(pool)
