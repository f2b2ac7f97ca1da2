#!/usr/bin/env python3
"""Writes the seed corpus of state_record_fuzzer: one valid and a few damaged
values of every record kind, in the layout of state/record_codec.h.

The fuzzer's first byte picks the decoder (low 3 bits) and, with bit 7 set,
appends the CRC-32C itself, so most seeds leave the checksum out and reach
the fields behind it. Run from the repository root:
    fuzz/make_state_seeds.py fuzz/corpus/state_record
"""
import pathlib
import struct
import sys

VERSION = 1
CONTRIBUTOR, METADATA, MODEL, OFFSET, WEIGHT, STORE = 1, 2, 3, 4, 5, 6
SCHEMES = 6  # engine/scheme.h kSchemeCount
RESEAL = 0x80


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def reals(values):
    return struct.pack("<I", len(values)) + b"".join(struct.pack("<d", v) for v in values)


def text(value):
    return struct.pack("<I", len(value)) + value


def contributor():
    return (bytes([VERSION, CONTRIBUTOR, 2]) + struct.pack("<d", 0.8) + b"\x01" +
            struct.pack("<q", 1_764_763_200_000) + reals([0.1, -0.2, 0.3]) +
            struct.pack("<ddd", 4.0, 3.5, 0.5) + reals([0.3] * SCHEMES) +
            struct.pack("<dqqQQd", 2.0, 1_764_763_100_000, 1_764_763_200_000, 40, 2, 0.01))


def model():
    named = lambda entries, pack: struct.pack("<I", len(entries)) + b"".join(
        text(name) + struct.pack("<I", len(vals)) + b"".join(pack(v) for v in vals)
        for name, vals in entries)
    return (bytes([VERSION, MODEL]) + struct.pack("<Q", 42) +
            named([(b"weights", [0.5, -1.0])], lambda v: struct.pack("<d", v)) +
            named([(b"counts", [3])], lambda v: struct.pack("<q", v)) +
            named([(b"ids", [b"lab-17"])], text))


def weight():
    return (bytes([VERSION, WEIGHT]) + struct.pack("<ddddddd", 1.2, 0.9, 1, 0.8, 1, 1, 0.7) +
            struct.pack("<QdQ", 40, 0.01, 42))


BODIES = {
    0: contributor(),
    1: bytes([VERSION, METADATA, 2]) + struct.pack("<d", 0.82),
    2: model(),
    3: bytes([VERSION, OFFSET]) + struct.pack("<q", 123_456),
    4: weight(),
    5: bytes([VERSION, STORE]) + struct.pack("<I", 1),
}


def main(out_dir):
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for decoder, body in BODIES.items():
        sealed = body + struct.pack("<I", crc32c(body))
        (out / f"{decoder}_sealed").write_bytes(bytes([decoder]) + sealed)
        (out / f"{decoder}_body").write_bytes(bytes([decoder | RESEAL]) + body)
        (out / f"{decoder}_truncated").write_bytes(bytes([decoder | RESEAL]) + body[:-3])
        (out / f"{decoder}_bad_crc").write_bytes(bytes([decoder]) + body + b"\0\0\0\0")
    newer = bytes([VERSION + 1]) + BODIES[1][1:]
    (out / "1_newer_version").write_bytes(bytes([1 | RESEAL]) + newer)
    (out / "0_wrong_kind").write_bytes(bytes([0 | RESEAL]) + BODIES[3])
    (out / "6_model_key").write_bytes(bytes([6]) + struct.pack(">Q", 42))
    (out / "7_offset_key").write_bytes(bytes([7]) + struct.pack(">H", 12) + b"anml.samples" +
                                       struct.pack(">I", 3))
    (out / "7_short_offset_key").write_bytes(bytes([7]) + struct.pack(">H", 40) + b"anml")


if __name__ == "__main__":
    main(sys.argv[1])
