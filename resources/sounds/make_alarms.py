"""Synthesise the three alarm sounds (run once; the WAV files are committed).

Patterns follow IEC 60601-1-8 as a model: high priority a burst of 10 pulses (3 + 2 + 3 + 2),
medium 3 pulses, low 2 pulses, each pulse a tone with soft edges so it does not click.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
HERE = Path(__file__).parent


def _pulse(freq: float, seconds: float) -> list[float]:
    n = int(RATE * seconds)
    edge = int(RATE * 0.015)
    out = []
    for i in range(n):
        envelope = min(1.0, i / edge, (n - i) / edge)
        tone = math.sin(2 * math.pi * freq * i / RATE) + 0.3 * math.sin(6 * math.pi * freq * i / RATE)
        out.append(0.6 * envelope * tone / 1.3)
    return out


def _silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def _write(name: str, samples: list[float]) -> None:
    with wave.open(str(HERE / name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))


def main() -> None:
    high: list[float] = []
    for group in (3, 2, 3, 2):
        for _ in range(group):
            high += _pulse(988, 0.12) + _silence(0.06)
        high += _silence(0.25)
    _write("alarm_high.wav", high)
    medium: list[float] = []
    for _ in range(3):
        medium += _pulse(698, 0.2) + _silence(0.12)
    _write("alarm_medium.wav", medium)
    low = _pulse(523, 0.25) + _silence(0.2) + _pulse(440, 0.3)
    _write("alarm_low.wav", low)


if __name__ == "__main__":
    main()
