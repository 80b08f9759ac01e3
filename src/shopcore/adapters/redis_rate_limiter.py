"""Sliding-window rate limiting in Redis, shared by every process and machine.

A key admits at most ``limit`` counted events in any interval of ``window_seconds``:
its events are kept as a sorted set scored by their time in microseconds (a sliding
log). Each check is one Lua script run by Redis itself, so dropping the events that
have left the window, counting the rest and adding the new one happen atomically: two
processes hitting the same key at the same moment can never both slip under the limit
(there is no read-modify-write in Python). Refused hits are not counted, so a client
that keeps knocking does not extend its own ban; the wait it is told is the time until
enough counted events leave the window for one more to fit (the oldest one, unless the
limit was lowered), in whole seconds rounded up. ``undo`` takes back one named event
(``ZREM`` of its member, one atomic command). A key expires a window after its latest
event.

Time is Redis's own (``TIME`` in the script), not each process's. Every process and
machine writes and compares the events of a key, so they need one clock: with their
own, a machine whose clock is a second behind would record its events a second in the
past (they would leave the window early and admit more than the limit), and one ahead
would keep everyone's bans a second too long. Redis replicates a script's effects, not
the script (the default since Redis 5, the only way in 7), so reading its clock there is
sound. The price: tests cannot fake this clock and wait in real time. Each event's
member is its name (``e:<name>``) or, for an unnamed one, that time plus a random suffix
from Python, so events of one microsecond (or of a server clock stepped back) are still
counted apart.

Memory is one sorted-set entry per counted event: at most ``limit`` per key and window.
The keys are ``<prefix>sliding:<window>:<key>``: the string counters of the earlier
fixed-window limiter (``<prefix><window>:<key>``) are left to expire, so processes of
both versions can serve side by side during a deploy without a ``WRONGTYPE`` error.

When Redis does not answer, ``redis.exceptions.ConnectionError`` (or ``TimeoutError``)
propagates: the limiter fails closed rather than letting traffic through uncounted. The
client of :func:`build_redis_client` makes a burst of callers wait for one of its
connections; a caller that waits longer than the pool's timeout gets that same
``ConnectionError`` ("No connection available."), as if Redis were down.
"""

from __future__ import annotations

import math
import secrets

from redis.asyncio import BlockingConnectionPool, Redis

DEFAULT_PREFIX = "shopcore:rl:"
MAX_CONNECTIONS = 50
"""Connections one process opens at most: each check holds one for a round trip."""
POOL_TIMEOUT_SECONDS = 2.0
"""How long a caller waits for a free connection before failing as an outage does."""

# KEYS[1] the key's events (a sorted set scored by time in µs); ARGV[1] limit,
# ARGV[2] window in ms, ARGV[3] the event's member, or '' for the time and ARGV[4].
# Returns -1 when the hit is counted, else the µs until one more would fit.
_HIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - window))
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local freeing = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return tonumber(freeing[2]) + window - now
end
local member = ARGV[3]
if member == '' then member = string.format('%d:%s', now, ARGV[4]) end
redis.call('ZADD', KEYS[1], string.format('%d', now), member)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return -1
"""


class RedisRateLimiter:
    """``RateLimiter`` on a shared Redis, keys under ``prefix`` (``shopcore:rl:``).

    The client is owned by the caller (the container closes it on shutdown).
    """

    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_seconds: int, event: str = "") -> int | None:
        """Count one event under ``key``; seconds to wait when ``limit`` events already
        happened in the last ``window_seconds``."""
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        wait_us = int(await self._hit(keys=[self._key(key, window_seconds)],
                                      args=[limit, window_seconds * 1000,
                                            _member(event), secrets.token_hex(8)]))
        if wait_us < 0:
            return None
        return min(window_seconds, max(1, math.ceil(wait_us / 1_000_000)))

    async def undo(self, key: str, window_seconds: int, event: str) -> None:
        """Take back the counted event ``event`` of ``key`` (not counted: nothing happens)."""
        if not event:
            raise ValueError("only a named event can be taken back")
        await self._client.zrem(self._key(key, window_seconds), _member(event))

    def _key(self, key: str, window_seconds: int) -> str:
        # The window length is part of the key: the same name counted over an hour
        # and over a minute are two different logs.
        return f"{self._prefix}sliding:{window_seconds}:{key}"


def _member(event: str) -> str:
    # Named members start with a letter, the time-based ones with a digit: never equal.
    return f"e:{event}" if event else ""


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
