#!/usr/bin/env python3
# The HTML report in a real browser (CTest label `browser`): makes a small report with arena-bench
# (a buddy arena and a heap peer, so that every chart kind appears), renders it with
# `arena-bench report`, then has headless Chromium (Debian's package) take screenshots in the light
# and the dark colour scheme and dump the DOM it built. Checks: the screenshots are not blank (many
# colours, enough non-background pixels), the dark one has a dark background and the light one a
# light one, and the rendered DOM holds the SVG charts (bars, lines, columns) and no script.
# Exits 77 (CTest SKIP_RETURN_CODE) with a message when Chromium is not installed.
# Standard library only; the PNG decoder below is all the image handling it needs.
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77
CHROMIUM_TIMEOUT_S = 90  # one Chromium start; a cold start on a busy 2-core machine takes seconds
WINDOW = (1000, 1400)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- PNG ---

def decode_png(path):
    """Returns (width, height, channels, rows): rows is a list of bytearrays of width*channels
    bytes. Handles 8-bit greyscale, grey+alpha, RGB and RGBA, non-interlaced (what Chromium writes)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is not a PNG file" % path)
    pos = 8
    idat = []
    width = height = depth = color = interlace = None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    check(width is not None and idat, "%s: no IHDR or IDAT chunk" % path)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    check(depth == 8 and channels is not None and interlace == 0,
          "%s: unsupported PNG (bit depth %s, colour type %s, interlace %s)" % (path, depth, color, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    check(len(raw) >= height * (stride + 1), "%s: truncated image data" % path)
    rows = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            check(kind == 0, "%s: unknown PNG filter %d" % (path, kind))
        rows.append(line)
        previous = line
    return width, height, channels, rows


def encode_png(path, width, height, channels, rows):
    """Writes rows (as decode_png returns them) as a PNG (filter 0); for looking at crops."""
    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def pixel_stats(image):
    """(distinct colours, fraction of pixels unlike the top-left one, luminance of the top-left one)."""
    width, height, channels, rows = image
    background = bytes(rows[0][0:min(channels, 3)])
    colours = set()
    other = 0
    for row in rows:
        for x in range(0, width * channels, channels):
            px = bytes(row[x:x + min(channels, 3)])
            colours.add(px)
            if px != background:
                other += 1
    if len(background) == 3:
        luminance = 0.2126 * background[0] + 0.7152 * background[1] + 0.0722 * background[2]
    else:
        luminance = background[0]
    return len(colours), other / float(width * height), luminance


# --- Chromium ---

def find_chromium(given):
    """The browser to use: `given` alone when set, else chromium on PATH or Debian's /usr/bin/chromium."""
    for candidate in [given] if given else ["chromium", "/usr/bin/chromium", "chromium-browser"]:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def chromium(browser, args, tmp):
    base = [browser, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--user-data-dir=" + os.path.join(tmp, "profile")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        base.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    proc = subprocess.run(base + args, capture_output=True, timeout=CHROMIUM_TIMEOUT_S, cwd=tmp)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def screenshot(browser, url, out, tmp, dark):
    args = ["--screenshot=" + out, "--window-size=%d,%d" % WINDOW]
    if dark:
        args += ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]
    else:
        args += ["--blink-settings=preferredColorScheme=1"]
    code, _, err = chromium(browser, args + [url], tmp)
    check(code == 0 and os.path.exists(out), "chromium --screenshot failed (exit %d): %s" % (code, err[-2000:]))
    return decode_png(out)


# --- The test ---

def make_report(binary, tmp):
    report = os.path.join(tmp, "report.json")
    page = os.path.join(tmp, "report.html")
    hostile = "</title><script>alert(1)</script><img src=x onerror=alert(2)>"
    cmd = [binary, "compare", "--preset", "buddy-size-cycle", "--operations", "4000", "--repetitions", "2",
           "--peers", "malloc,jemalloc", "--set", "sample_interval_ms=5", "--set", "name=" + hostile,
           "--quiet", "-o", report]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, cwd=tmp)
    check(proc.returncode == 0, "arena-bench compare failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    proc = subprocess.run([binary, "report", report, "-o", page], capture_output=True, timeout=60, cwd=tmp)
    check(proc.returncode == 0, "arena-bench report failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    return page


def run(args):
    browser = find_chromium(args.chromium)
    if browser is None:
        print("SKIPPED: chromium is not installed (scripts/setup.sh installs Debian's package 'chromium')")
        return SKIP
    args.binary = os.path.abspath(args.binary)
    tmp = tempfile.mkdtemp(prefix="arena-bench-browser-")
    try:
        page = make_report(args.binary, tmp)
        url = "file://" + page

        code, dom, err = chromium(browser, ["--dump-dom", url], tmp)
        check(code == 0 and "<html" in dom, "chromium --dump-dom failed (exit %d): %s" % (code, err[-2000:]))
        svgs = dom.count("<svg")
        check(svgs >= 6, "expected at least 6 SVG charts in the rendered DOM, found %d" % svgs)
        for element, what in (("<rect", "bars"), ("<polyline", "timeline lines"), ('class="chart columns"',
                                                                                   "free-block columns"),
                              ('class="chart lines"', "line charts"), ('class="chart bars"', "bar charts")):
            check(element in dom, "no %s (%s) in the rendered DOM" % (what, element))
        check("<script" not in dom.lower(), "the rendered DOM holds a <script> element")
        check("<img" not in dom, "a hostile name turned into an <img> element in the rendered DOM")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "the hostile profile name is not shown escaped")

        light = pixel_stats(screenshot(browser, url, os.path.join(tmp, "light.png"), tmp, dark=False))
        dark = pixel_stats(screenshot(browser, url, os.path.join(tmp, "dark.png"), tmp, dark=True))
        for name, (colours, other, luminance) in (("light", light), ("dark", dark)):
            print("%s: %d colours, %.1f %% non-background pixels, background luminance %.0f" %
                  (name, colours, other * 100, luminance))
            check(colours >= 64, "the %s screenshot looks blank: %d distinct colours" % (name, colours))
            check(other >= 0.03, "the %s screenshot looks blank: %.2f %% non-background" % (name, other * 100))
        check(light[2] > 200, "the light scheme's background is not light (luminance %.0f)" % light[2])
        check(dark[2] < 60, "the dark scheme's background is not dark (luminance %.0f)" % dark[2])
        print("ok: %d SVG charts rendered; light and dark screenshots are not blank" % svgs)
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        if args.keep:
            print("files kept in %s" % tmp)
        return 1
    except subprocess.TimeoutExpired as e:
        print("FAIL: timed out: %s" % e)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", help="the arena-bench executable")
    parser.add_argument("--chromium", help="the browser, alone (default: chromium on PATH, else /usr/bin/chromium)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (report, page, PNGs)")
    parser.add_argument("--crop", nargs=6, metavar=("PNG", "OUT", "X", "Y", "W", "H"),
                        help="development aid: write the region of PNG to OUT and exit")
    args = parser.parse_args()
    if args.crop:
        src, out, x, y, w, h = args.crop[0], args.crop[1], *map(int, args.crop[2:])
        width, height, channels, rows = decode_png(src)
        w, h = min(w, width - x), min(h, height - y)
        if w <= 0 or h <= 0:
            parser.error("the region lies outside the %dx%d image" % (width, height))
        encode_png(out, w, h, channels, [row[x * channels:(x + w) * channels] for row in rows[y:y + h]])
        return 0
    if not args.binary:
        parser.error("--binary is required")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
