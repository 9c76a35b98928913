"""HTTP reward server (FastAPI + uvicorn): OpenRLHF's remote reward-model protocol and a plain scoring API.

Endpoints:

- ``POST /get_reward`` -- OpenRLHF ``--reward.remote_url`` (``--remote_rm_url`` up to 0.10.1): ``{"query":
  [prompt+response, ...], "prompts": [...], "labels": [gold, ...]}`` -> ``{"rewards": [...], "scores": [...],
  "extra_logs": {...}}``. A label is text, a number, a dict with a ``ground_truth`` (or ``answer``) entry such as
  DAPO-Math-17k's ``reward_model`` column, or a list of one label. ``rewards`` is the reward the trainer optimises
  (OpenRLHF's eval pass rates read it too: serve a 0/1 reward for true ones), ``scores`` the raw 0/1 correctness
  OpenRLHF's dynamic filtering reads, ``extra_logs`` per-item values for its logger (``acc``, ``no_answer``,
  ``timeout``). When a prompt is given and the query starts with it, the response is the rest of the query;
  otherwise the whole query is scored.
- ``POST /score`` -- ``{"items": [{"prompt", "response", "gold", "response_length"?}]}`` -> ``{"results": [...]}``.
- ``GET /health`` -- liveness and limits (never needs the token).

Limits, all answered with a JSON ``{"detail": ...}``: bearer token (401), body size (413, checked on the
Content-Length header and again while reading), items per request (413), scoring requests running at once
(``max_concurrency``; more wait up to ``queue_timeout`` seconds, then 503 with Retry-After). Scoring runs in a thread
off the event loop and through the reward's own worker pool, so /health stays responsive under load; uvicorn's
SIGTERM handling stops accepting connections and lets in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mathreward.rewards.base import Reward, RewardResult
from mathreward.rewards.openrlhf import read_labels, score_queries
from mathreward.tables import encodable_text

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PROTECTED_PATHS = ("/get_reward", "/score")
ABANDONED_KEY = "mathreward.abandoned"  # scope entry: a threading.Event set when the request's client disconnects


@dataclass(frozen=True)
class ServerLimits:
    """Request limits of the reward server."""

    max_items: int = 16384
    max_body_bytes: int = 256 * 1024 * 1024  # a DAPO batch: thousands of ~20K-token rollouts
    max_concurrency: int = 4
    queue_timeout: float = 120.0


# A gold answer: text or a number, a dict with a "ground_truth" / "answer" entry, or a list of one label.
Label = str | int | float | dict[str, Any] | list[Any] | None


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's remote reward-model request."""

    query: list[str]
    prompts: list[str] | None = None
    labels: list[Label] | None = None


class ScoreItem(BaseModel):
    """One rollout for ``/score``."""

    response: str
    gold: Label = None
    prompt: str = ""
    response_length: int | None = Field(default=None, ge=0)


class ScoreRequest(BaseModel):
    """Body of ``/score``."""

    items: list[ScoreItem]


async def _send_json(send: Send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """ASGI middleware: bearer-token check, then the body read in full under a byte limit, before the app runs."""

    def __init__(self, app: Any, *, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in PROTECTED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
        if self.token is not None:
            given = headers.get("authorization", "")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                await _send_json(send, 401, {"detail": "missing or wrong bearer token"}, {"WWW-Authenticate": "Bearer"})
                return
        limit = self.max_body_bytes
        too_big = {"detail": f"request body larger than the server's limit of {limit} bytes (--max-body-bytes)"}
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, too_big, {"Connection": "close"})
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_json(send, 413, too_big, {"Connection": "close"})
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        # The whole body is read: the next message on the connection is the client going away. Then the scoring of
        # this request stops (see ``gated``) and its slot goes to the requests waiting.
        abandoned = threading.Event()
        scope[ABANDONED_KEY] = abandoned

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            abandoned.set()

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()


def create_app(
    reward: Reward, limits: ServerLimits | None = None, token: str | None = None, warmup: bool = True
) -> Any:
    """The ASGI app serving ``reward`` (FastAPI wrapped in the token/body-size guard)."""
    limits = limits or ServerLimits()
    gate = asyncio.Semaphore(limits.max_concurrency)
    state = {"in_flight": 0, "served": 0, "rollouts": 0, "started": time.time()}

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if warmup:  # start the verifier workers now (a symbolic comparison needs them), not on the first request
            count = max(1, int(getattr(reward, "workers", None) or 2))
            await run_in_threadpool(reward.score, [""] * count, ["Answer: x^2+2x+1"] * count, ["(x+1)^2"] * count)
        yield
        await run_in_threadpool(reward.close)

    app = FastAPI(title="mathreward", summary="rule-based math rewards over HTTP", lifespan=lifespan)

    def check_items(count: int) -> None:
        if count > limits.max_items:
            raise HTTPException(413, f"too many items: {count} > {limits.max_items} per request (--max-items)")

    async def gated(
        function: Callable[..., Any], *args: Any, rollouts: int, abandoned: threading.Event | None, **kwargs: Any
    ) -> Any:
        """Run ``function`` in the threadpool under the concurrency gate (503 after ``queue_timeout``); once
        ``abandoned`` is set (the client disconnected) its verification stops and the slot is freed."""
        try:
            await asyncio.wait_for(gate.acquire(), timeout=limits.queue_timeout)
        except asyncio.TimeoutError:
            raise HTTPException(
                503,
                f"server busy: {limits.max_concurrency} requests scoring, waited {limits.queue_timeout:g} s",
                headers={"Retry-After": "1"},
            ) from None
        state["in_flight"] += 1
        try:
            result = await run_in_threadpool(_abandonable, abandoned, function, *args, **kwargs)
        finally:
            state["in_flight"] -= 1
            gate.release()
        state["served"] += 1
        state["rollouts"] += rollouts
        return result

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "reward": reward.name,
            "in_flight": state["in_flight"],
            "requests_served": state["served"],
            "rollouts_scored": state["rollouts"],
            "uptime_s": round(time.time() - state["started"], 1),
            "auth": token is not None,
            "limits": asdict(limits),
            "verifier_pool": _pool_stats(),
        }

    @app.post("/get_reward")
    async def get_reward(request: OpenRLHFRequest, raw: Request) -> dict[str, Any]:
        n = len(request.query)
        check_items(n)
        for name, values in (("prompts", request.prompts), ("labels", request.labels)):
            if values is not None and len(values) != n:
                raise HTTPException(422, f"'{name}' has {len(values)} entries but 'query' has {n}")
        try:
            read_labels(request.labels, n)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        abandoned = raw.scope.get(ABANDONED_KEY)
        return await gated(
            score_queries, reward, request.query, request.prompts, request.labels, rollouts=n, abandoned=abandoned
        )

    @app.post("/score")
    async def score_items(request: ScoreRequest, raw: Request) -> dict[str, Any]:
        items = request.items
        check_items(len(items))
        fields: dict[str, Any] = {}
        if items and all(item.response_length is not None for item in items):
            fields["response_lengths"] = [item.response_length for item in items]
        prompts, responses = [item.prompt for item in items], [item.response for item in items]
        try:
            golds = read_labels([item.gold for item in items], len(items))
        except ValueError as exc:
            raise HTTPException(422, str(exc).replace("labels[", "items[").replace("]: ", "].gold: ", 1)) from None
        abandoned = raw.scope.get(ABANDONED_KEY)
        results: list[RewardResult] = await gated(
            reward.score, prompts, responses, golds, rollouts=len(items), abandoned=abandoned, **fields
        )
        if len(results) != len(items):
            raise HTTPException(500, f"reward returned {len(results)} results for {len(items)} items")
        return {"reward": reward.name, "results": [_jsonable(r) for r in results]}

    guarded = GuardMiddleware(app, token=token, max_body_bytes=limits.max_body_bytes)
    guarded.fastapi_app = app  # type: ignore[attr-defined]
    return guarded


def _pool_stats() -> dict[str, int] | None:
    """Counters of the verifiers' worker pool when it is in use (never imports it; None when unavailable)."""
    guard = sys.modules.get("mathreward.verifiers.guard")
    pool = guard.current_pool() if guard is not None else None
    if pool is None:
        return None
    try:
        return {
            "killed_for_deadline": pool.kills,
            "crashed": pool.crashes,
            "idle_workers": len(pool.worker_pids()),
            "busy_workers": len(pool.busy_pids()),
        }
    except Exception:  # noqa: BLE001 - diagnostics only
        return None


def header_timeout_protocol(header_timeout: float) -> type:
    """uvicorn's h11 protocol, closing a connection whose request headers are not all in ``header_timeout`` seconds
    after it opened or after its last response (a client that connects and sends nothing, or sends its headers a
    byte at a time, holds no socket for long). Idle keep-alive connections are uvicorn's ``timeout_keep_alive``."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self.header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self.header_timer is not None:
                self.header_timer.cancel()
                self.header_timer = None

        def _headers_late(self) -> None:
            self.header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # the request's headers are in
                self._disarm()

        def on_response_complete(self) -> None:
            self._arm()  # the next request's headers are due in time too
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol


def _abandonable(abandoned: threading.Event | None, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` in a worker thread whose verification stops once ``abandoned`` is set."""
    if abandoned is None:
        return function(*args, **kwargs)
    from mathreward.verifiers.guard import abandon_when

    with abandon_when(abandoned):
        return function(*args, **kwargs)


def _jsonable(result: RewardResult) -> dict[str, Any]:
    """One row's result as JSON; text UTF-8 cannot carry (a lone surrogate in the rollout) is escaped, so one such
    row answers like any other instead of failing the whole response."""
    pred = encodable_text(result.pred)
    out = {"score": result.score, "correct": result.correct, "pred": pred, "status": result.status}
    for key, value in result.extras.items():
        if isinstance(value, (str, int, float, bool, type(None), dict, list)):
            out.setdefault(key, encodable_text(value))
    return out
