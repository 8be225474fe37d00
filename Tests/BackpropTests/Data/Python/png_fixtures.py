#!/usr/bin/env python3
"""Independent PNG encoder (zlib + struct, no imaging library) for the PNG tests and the fuzz seeds.

    png_fixtures.py OUT_DIR

writes one small PNG per case into OUT_DIR and prints, per case, a JSON line
{"file": name, "width": w, "height": h, "gray": [...]} with the 8-bit gray pixels Backprop must read:
luma 0.299 R + 0.587 G + 0.114 B from the full-depth samples, alpha composited over black,
round(255 * value). The cases cover every colour type, bit depths 1–16, tRNS, Adam7 interlacing,
and all five row filters.
"""
import json, os, struct, sys, zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def pack_row(samples, depth):
    """Samples of one row (ints) as bytes at `depth` bits, big-endian, padded to a byte."""
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        bits += depth
        if bits == 8:
            out.append(acc); acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)

def filtered(row, previous, bpp, kind):
    """Row bytes filtered with PNG filter `kind` (0–4)."""
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = previous[i] if previous else 0
        c = previous[i - bpp] if previous and i >= bpp else 0
        if kind == 0: p = 0
        elif kind == 1: p = a
        elif kind == 2: p = b
        elif kind == 3: p = (a + b) // 2
        else:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out.append((x - p) & 0xFF)
    return bytes(out)

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def encode(width, height, depth, color, pixels, palette=None, trns=None, interlace=False):
    """pixels[y][x] = tuple of samples (palette index for colour type 3)."""
    channels = CHANNELS[color]
    bpp = max(1, channels * depth // 8)
    def image_bytes(xs, ys):
        data, previous = bytearray(), None
        for n, y in enumerate(ys):
            row = pack_row([s for x in xs for s in pixels[y][x]], depth)
            data += filtered(row, previous, bpp, n % 5)
            previous = row
        return data
    if interlace:
        raw = bytearray()
        for x0, y0, dx, dy in ADAM7:
            xs, ys = list(range(x0, width, dx)), list(range(y0, height, dy))
            if xs and ys:
                raw += image_bytes(xs, ys)
    else:
        raw = image_bytes(range(width), range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(c for rgb in palette for c in rgb))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    compressed = zlib.compress(bytes(raw), 9)
    half = len(compressed) // 2  # two IDAT chunks, as encoders may write
    out += chunk(b"IDAT", compressed[:half]) + chunk(b"IDAT", compressed[half:]) + chunk(b"IEND", b"")
    return out

def byte(v):
    return min(255, max(0, int(v * 255 + 0.5)))  # v ≥ 0: round half up, as Swift's rounded()

def luma(r, g, b):
    return 0.299 * r + 0.587 * g + 0.114 * b

def expected(width, height, depth, color, pixels, palette=None, trns=None):
    m = (1 << depth) - 1
    gray = []
    for y in range(height):
        for x in range(width):
            s = pixels[y][x]
            if color == 0:
                key = struct.unpack(">H", trns)[0] if trns else None
                gray.append(0 if s[0] == key else byte(s[0] / m))
            elif color == 2:
                key = struct.unpack(">HHH", trns) if trns else None
                gray.append(0 if tuple(s) == key else byte(luma(s[0] / m, s[1] / m, s[2] / m)))
            elif color == 3:
                r, g, b = palette[s[0]]
                alpha = trns[s[0]] if trns and s[0] < len(trns) else 255
                gray.append(byte(luma(r / 255, g / 255, b / 255) * (alpha / 255)))
            elif color == 4:
                gray.append(byte(s[0] / m * (s[1] / m)))
            else:
                gray.append(byte(luma(s[0] / m, s[1] / m, s[2] / m) * (s[3] / m)))
    return gray

def cases():
    def grid(w, h, f):
        return [[f(x, y) for x in range(w)] for y in range(h)]
    m16 = 65535
    yield "gray1", 9, 3, 1, 0, grid(9, 3, lambda x, y: ((x + y) % 2,)), {}
    yield "gray2", 5, 2, 2, 0, grid(5, 2, lambda x, y: ((x + 2 * y) % 4,)), {}
    yield "gray4", 7, 3, 4, 0, grid(7, 3, lambda x, y: ((3 * x + y) % 16,)), {}
    yield "gray8", 6, 5, 8, 0, grid(6, 5, lambda x, y: ((37 * x + 11 * y) % 256,)), {}
    yield "gray16", 4, 3, 16, 0, grid(4, 3, lambda x, y: ((12345 * x + 777 * y + 129) % 65536,)), {}
    yield "gray8_trns", 4, 2, 8, 0, grid(4, 2, lambda x, y: ((60 * x + y) % 256,)), {"trns": struct.pack(">H", 120)}
    yield "rgb8", 5, 4, 8, 2, grid(5, 4, lambda x, y: ((50 * x) % 256, (70 * y) % 256, (30 * x + 20 * y) % 256)), {}
    yield "rgb16", 3, 3, 16, 2, grid(3, 3, lambda x, y: ((20000 * x + 1) % 65536, (9000 * y + 7) % 65536, (31111 * (x + y)) % 65536)), {}
    yield "rgb8_trns", 3, 2, 8, 2, grid(3, 2, lambda x, y: (10 * x, 20 * y, 30)), {"trns": struct.pack(">HHH", 10, 20, 30)}
    palette = [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 150, 100), (255, 255, 255)]
    yield "palette8", 6, 2, 8, 3, grid(6, 2, lambda x, y: ((x + y) % 6,)), {"palette": palette}
    yield "palette4_trns", 5, 3, 4, 3, grid(5, 3, lambda x, y: ((x + 2 * y) % 6,)), {"palette": palette, "trns": bytes([255, 128, 0, 64])}
    yield "palette1", 10, 2, 1, 3, grid(10, 2, lambda x, y: ((x // 3 + y) % 2,)), {"palette": [(10, 20, 30), (250, 240, 230)]}
    yield "gray_alpha8", 4, 4, 8, 4, grid(4, 4, lambda x, y: ((60 * x + 3) % 256, (80 * y + 15) % 256)), {}
    yield "gray_alpha16", 3, 2, 16, 4, grid(3, 2, lambda x, y: ((30000 * x + 5) % m16, (40000 * y + 999) % m16)), {}
    yield "rgba8", 4, 3, 8, 6, grid(4, 3, lambda x, y: ((64 * x) % 256, (90 * y) % 256, 200, (85 * x + 40 * y) % 256)), {}
    yield "rgba16", 2, 2, 16, 6, grid(2, 2, lambda x, y: (50000 * x, 30000 + y, 65535 - 1000 * x, 20000 + 40000 * y)), {}
    yield "gray8_interlaced", 11, 9, 8, 0, grid(11, 9, lambda x, y: ((23 * x + 41 * y) % 256,)), {"interlace": True}
    yield "rgba8_interlaced", 9, 7, 8, 6, grid(9, 7, lambda x, y: ((30 * x) % 256, (40 * y) % 256, (x * y) % 256, 255 - 20 * y)), {"interlace": True}
    yield "palette2_interlaced", 6, 6, 2, 3, grid(6, 6, lambda x, y: ((x + y) % 4,)), {"palette": palette[:4], "interlace": True}
    yield "gray16_interlaced", 5, 5, 16, 0, grid(5, 5, lambda x, y: ((10007 * x + 3001 * y) % 65536,)), {"interlace": True}

def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name, w, h, depth, color, pixels, extra in cases():
        data = encode(w, h, depth, color, pixels, **extra)
        with open(os.path.join(out_dir, name + ".png"), "wb") as f:
            f.write(data)
        extra.pop("interlace", None)
        print(json.dumps({"file": name + ".png", "width": w, "height": h,
                          "gray": expected(w, h, depth, color, pixels, **extra)}))

if __name__ == "__main__":
    main()
