"""Synthetic replay datasets longer or wider than the bundled one, made by the project's generator
(`bot.replay.synthetic.init_synthetic`, seed 7) into the session's temporary folder.

The generator knows three pairs (BTCTRY, ETHTRY, XRPTRY). A wider dataset adds copies of their
specs under distinct names (BTC04TRY, ETH05TRY, ...): same rules and market character, their own
price paths (every pair draws its own shocks), so every symbol is a separate market to the bot.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from bench_common import THREE_SYMBOLS, Session, progress


def symbols_for(count: int) -> tuple[str, ...]:
    """BTCTRY, ETHTRY, XRPTRY, then BTC04TRY, ETH05TRY, XRP06TRY, ... up to `count` names."""
    names = list(THREE_SYMBOLS[:count])
    for index in range(len(names), count):
        template = THREE_SYMBOLS[index % 3]
        names.append(f"{template[:-3]}{index + 1:02d}TRY")
    return tuple(names)


def synthetic_dataset(session: Session, symbols: int, steps: int) -> Path:
    """A dataset of `symbols` pairs and `steps` one-minute steps, generated once per session."""
    key = (symbols, steps)
    if key in session.datasets:
        return session.datasets[key]
    from bot.replay.pair_specs import DEFAULT_PAIRS, PairSpec
    from bot.replay.synthetic import init_synthetic

    specs: dict[str, PairSpec] = {}
    for name in symbols_for(symbols):
        template = DEFAULT_PAIRS[THREE_SYMBOLS[len(specs) % 3]]
        base = name[:-3]
        specs[name] = replace(template, rules=replace(template.rules, symbol=name, base=base))
    out = session.work / f"dataset-{symbols}x{steps}"
    progress(f"generating a synthetic dataset: {symbols} symbols x {steps:,} steps")
    started = time.perf_counter()
    init_synthetic(out, seed=7, steps=steps, symbols=specs, name=f"bench-{symbols}x{steps}")
    progress(f"  generated in {time.perf_counter() - started:.1f} s")
    session.datasets[key] = out
    return out
