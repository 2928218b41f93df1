"""`python -m checker.language.presets`: rewrite precompiled/ from the preset files."""

from __future__ import annotations

from . import PRECOMPILED, precompiled_modules

PRECOMPILED.mkdir(exist_ok=True)
for stale in PRECOMPILED.glob("*.py"):
    stale.unlink()
for name, text in precompiled_modules().items():
    (PRECOMPILED / name).write_text(text, encoding="utf-8")
print(f"wrote {PRECOMPILED}")
