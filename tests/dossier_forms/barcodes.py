"""A small Code 128 reader for tests: it turns a module string back into text, so a test can
check that the bars printed on a receipt say the dossier code (and carry a valid check
symbol) without trusting the encoder that drew them."""

from __future__ import annotations

from barcode.charsets.code128 import CODES, STOP

_VALUES = {pattern: value for value, pattern in enumerate(CODES)}
START_A, START_B, START_C = 103, 104, 105
CODE_C, CODE_B, CODE_A = 99, 100, 101


def decode_code128(modules: str) -> str:
    modules = modules.strip("0")
    # The stop symbol is followed by a two-module termination bar.
    assert modules.endswith(STOP + "11"), "no stop pattern"
    body = modules[: -len(STOP) - 2]
    assert len(body) % 11 == 0, "symbols are 11 modules wide"
    values = [_VALUES[body[i : i + 11]] for i in range(0, len(body), 11)]
    *data, check = values
    assert check == (data[0] + sum(i * v for i, v in enumerate(data[1:], 1))) % 103, "check"
    start, *symbols = data
    charset = {START_A: "A", START_B: "B", START_C: "C"}[start]
    text = []
    for value in symbols:
        if value == CODE_C and charset != "C":
            charset = "C"
        elif value == CODE_B and charset != "B":
            charset = "B"
        elif value == CODE_A and charset != "A":
            charset = "A"
        elif charset == "C":
            text.append(f"{value:02d}")
        elif charset == "B":
            text.append(chr(value + 32))
        else:
            text.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(text)
