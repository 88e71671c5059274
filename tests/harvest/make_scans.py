"""Writes N small PNG "scans", each with a JSON sidecar (title, identifier),
using only the standard library."""
import json
import os
import struct
import sys
import zlib


def png(width, height, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main():
    folder, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(folder, exist_ok=True)
    for index in range(count):
        stem = os.path.join(folder, f"scan-{index:04d}")
        with open(stem + ".png", "wb") as out:
            out.write(png(32, 24, (index % 256, (index * 7) % 256, 200)))
        with open(stem + ".json", "w", encoding="utf-8") as out:
            json.dump({"title": f"测试 & <扫描> {index}", "identifier": f"T-{index:04d}"}, out, ensure_ascii=False)


if __name__ == "__main__":
    main()
