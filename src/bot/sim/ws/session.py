"""One simulator WebSocket connection: a reader for client frames and a pusher polling the engine."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sim.auth import INVALID_NONCE, INVALID_SIGNATURE, signature
from bot.sim.exchange import SimExchange
from bot.sim.ws import frames
from bot.sim.ws.chaos import ChaosSchedule
from bot.sim.ws.market import CHANNELS, MarketStreams
from bot.sim.ws.private import AccountWatcher


@dataclass(frozen=True, slots=True, kw_only=True)
class WsOptions:
    """`poll_s`: how often the engine is diffed; `refresh_s`: 402/431 repeat interval; `depth`: levels."""

    poll_s: float = 0.05
    refresh_s: float = 1.0
    depth: int = 25


class WsSession:
    def __init__(self, ws: WebSocket, sim: SimExchange, options: WsOptions, chaos: ChaosSchedule) -> None:
        self._ws = ws
        self._sim = sim
        self._options = options
        self._chaos = chaos
        self._pair_ids = {symbol: index + 1 for index, symbol in enumerate(sorted(sim.dataset.pairs))}
        self._market = MarketStreams(
            sim=sim,
            pair_ids=self._pair_ids,
            depth=options.depth,
            refresh_ms=int(options.refresh_s * 1000),
            changeset_start=sim.config.seed * 1000,
        )
        self._watcher: AccountWatcher | None = None
        self._opened = time.monotonic()
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        await self._ws.accept()
        await self._send([frames.welcome()])
        tasks = {asyncio.create_task(self._read()), asyncio.create_task(self._push())}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._ws.close(code=1001)

    def _elapsed_s(self) -> float:
        return time.monotonic() - self._opened

    async def _send(self, texts: list[str]) -> None:
        # Frames leave in the order they were computed: nothing awaits before the (FIFO) lock.
        async with self._send_lock:
            while self._chaos.stalled(self._elapsed_s()):
                await asyncio.sleep(self._options.poll_s)
            for text in texts:
                await self._ws.send_text(text)

    async def _read(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                raw = await self._ws.receive_text()
                try:
                    message = json.loads(raw, parse_float=Decimal)
                except ValueError:
                    continue
                if isinstance(message, list) and len(message) == 2 and isinstance(message[1], dict):
                    await self._send(self._handle(message[0], message[1]))

    def _handle(self, model: object, body: dict[str, object]) -> list[str]:
        with self._sim.lock:
            self._sim.catch_up()
            if model == 151:
                return self._subscribe(body)
            if model == frames.LOGIN:
                return self._login(body)
        return []

    def _subscribe(self, body: dict[str, object]) -> list[str]:
        channel, event, join = str(body.get("channel")), str(body.get("event")), body.get("join") is True
        verb = "join" if join else "leave"
        symbol = self._sim.resolve_symbol(event)
        if channel not in CHANNELS or symbol is None:
            return [frames.result(False, f"{verb}|{channel}:{event} unsupported channel or event")]
        ack = frames.result(True, f"{verb}|{channel}:{symbol}")
        if not join:
            self._market.leave(channel, symbol)
            return [ack]
        return [ack, *self._market.join(channel, symbol)]

    def _login(self, body: dict[str, object]) -> list[str]:
        """§11.4: signature over publicKey + nonce (or + timestamp); timestamp within the stamp window."""
        key = str(body.get("publicKey", ""))
        account = self._sim.account(key) if key else None
        sent = str(body.get("signature", "")).encode("utf-8", "replace")
        inputs = [str(body.get("nonce", "")), str(body.get("timestamp", ""))]
        if account is None or not any(
            hmac.compare_digest(signature(key, account.api_secret, text).encode("ascii"), sent)
            for text in inputs
        ):
            return [frames.login_result(False, INVALID_SIGNATURE)]
        stamp = body.get("timestamp")
        if not isinstance(stamp, int) or abs(stamp - self._sim.now_ms()) > self._sim.config.stamp_window_ms:
            return [frames.login_result(False, INVALID_NONCE)]
        self._watcher = AccountWatcher(self._sim.engine, key)
        return [frames.login_result(True, "Authenticated successfully")]

    async def _push(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while not self._chaos.should_disconnect(self._elapsed_s()):
                await asyncio.sleep(self._options.poll_s)
                if self._chaos.stalled(self._elapsed_s()):
                    continue
                with self._sim.lock:
                    self._sim.catch_up()
                    out = self._market.tick()
                    if self._watcher is not None:
                        out.extend(self._watcher.poll(self._sim.engine, self._pair_ids))
                if out:
                    await self._send(out)
