#!/usr/bin/env python3
"""Checks that baton_protocol.h mirrors shared/protocol.ts exactly (no drift either way).

Rule (see the header's comment): every `export const Obj = { KEY: value } as const` becomes
`#define BATON_<OBJ_IN_SCREAMING_SNAKE>_<KEY> value` (a leading "Baton" is not repeated),
and `export const NAME = value as const` becomes `#define BATON_NAME value`.
"""
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[2]
ts = (root / "shared" / "protocol.ts").read_text()
header = (root / "firmware" / "components" / "baton_core" / "include" / "baton_protocol.h").read_text()

defined = dict(re.findall(r"#define (BATON_\w+) (.+)", header))
defined.pop("BATON_PROTOCOL_H", None)


def screaming_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


expected = {}
for obj, body in re.findall(r"export const (\w+) = \{(.*?)\} as const", ts, re.S):
    prefix = screaming_snake(obj)
    if not prefix.startswith("BATON_"):
        prefix = "BATON_" + prefix
    for key, value in re.findall(r"^\s*(\w+):\s*(\"[^\"]*\"|\d+)", body, re.M):
        expected[f"{prefix}_{key}"] = value
for name, value in re.findall(r"export const (\w+) = (\"[^\"]*\"|\d+) as const", ts):
    expected[f"BATON_{name}"] = value

problems = [f"{k}: protocol.ts has {v}, header has {defined.get(k)}" for k, v in expected.items() if defined.get(k) != v]
problems += [f"{k}: in the header but not in protocol.ts" for k in defined if k not in expected]
if problems:
    print("baton_protocol.h has drifted from shared/protocol.ts:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"baton_protocol.h matches shared/protocol.ts ({len(expected)} constants)")
