"""Opens every walkthrough page in headless Chromium and fails on what a reader would see broken.

    python3 Walkthroughs/check_pages.py [walkthrough-output] [--screenshots DIR]

For the index and each walkthrough's index.html under the folder (default walkthrough-output,
written by `swift run -c release walkthroughs`), it:
  1. loads the page inside a throw-away harness page (in a temporary folder; the pages
     themselves carry no script) and reads back, from the loaded document, every image that
     did not decode (complete and naturalWidth > 0) and the number of inline drawings;
  2. collects the console errors and failed loads Chromium logs while doing so;
  3. takes a screenshot of the page alone and fails it if the screenshot is blank (fewer than
     16 distinct byte values in its decoded image data: a blank page's filtered rows are
     nearly all one value).
With --screenshots DIR the screenshots are kept there (one PNG per page, named after its
folder). Prints one line per page with its size and what it found, and exits 1 if any page failed, 2
if Chromium or the pages are missing. Needs Debian's `chromium` package (or CHROMIUM=path).
Python's standard library only.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>check</title></head>
<body data-result="pending">
<iframe id="page" src="%s" style="width:1280px;height:4000px;border:0"></iframe>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => {
  const doc = frame.contentDocument;
  if (!doc) { document.body.setAttribute("data-result", JSON.stringify({error: "cannot read the page"})); return; }
  const images = Array.from(doc.images);
  const settle = () => {
    const pending = images.filter(i => !i.complete).length;
    if (pending > 0) { setTimeout(settle, 50); return; }
    document.body.setAttribute("data-result", JSON.stringify({
      images: images.length,
      broken: images.filter(i => i.naturalWidth === 0).map(i => i.getAttribute("src")),
      drawings: doc.querySelectorAll("svg").length,
      cells: doc.querySelectorAll("section.cell").length,
      title: doc.title,
    }));
  };
  settle();
});
</script>
</body></html>
"""

# Chromium's log lines that mean the page itself went wrong (not Chromium's own chatter): the pages
# carry no script, so any console message at all is one.
PAGE_ERROR = re.compile(r"CONSOLE|ERR_FILE_NOT_FOUND|Failed to load|Uncaught|Not allowed to load")


def chromium():
    for name in [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run(browser, arguments, timeout=60):
    base = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
    return subprocess.run(base + arguments, capture_output=True, text=True, timeout=timeout)


def distinct_bytes(png_path):
    """The number of distinct byte values in a PNG's decompressed image data."""
    with open(png_path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat = 8, b""
    while position < len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            idat += data[position + 8:position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(idat)))


def check(browser, page, scratch, keep=None):
    url = "file://" + os.path.abspath(page)
    harness = os.path.join(scratch, "harness.html")
    with open(harness, "w", encoding="utf-8") as f:
        f.write(HARNESS % url)
    dumped = run(browser, ["--virtual-time-budget=10000", "--dump-dom", "file://" + harness])
    match = re.search(r'data-result="([^"]*)"', dumped.stdout)
    result = json.loads(match.group(1).replace("&quot;", '"')) if match and match.group(1) != "pending" else {"error": "the page did not load"}
    shot = os.path.join(scratch, "shot.png")
    if os.path.exists(shot):
        os.remove(shot)
    shooting = run(browser, ["--window-size=1280,2400", "--virtual-time-budget=10000", f"--screenshot={shot}", url])
    problems = []
    if "error" in result:
        problems.append(result["error"])
    for src in result.get("broken", []):
        problems.append(f"image did not load: {src}")
    for line in (dumped.stderr + shooting.stderr).splitlines():
        if PAGE_ERROR.search(line) and "harness.html" not in line:
            problems.append("browser: " + line.strip()[:200])
    if not os.path.exists(shot):
        problems.append("no screenshot")
        values = 0
    else:
        values = distinct_bytes(shot)
        if values < 16:
            problems.append(f"blank screenshot ({values} distinct byte values)")
    if keep and os.path.exists(shot):
        shutil.copy(shot, keep)
    summary = (f"{result.get('cells', 0)} cells, {result.get('images', 0)} images, {result.get('drawings', 0)} drawings, "
               f"screenshot {os.path.getsize(shot) if os.path.exists(shot) else 0} bytes ({values} byte values)")
    return summary, problems


def main():
    arguments = sys.argv[1:]
    keep = None
    if "--screenshots" in arguments:
        at = arguments.index("--screenshots")
        keep = arguments[at + 1]
        del arguments[at:at + 2]
        os.makedirs(keep, exist_ok=True)
    root = arguments[0] if arguments else "walkthrough-output"
    browser = chromium()
    if browser is None:
        print("check_pages: no Chromium found (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        return 2
    pages = [os.path.join(root, "index.html")] + sorted(glob.glob(os.path.join(root, "*", "index.html")))
    pages = [p for p in pages if os.path.exists(p)]
    if len(pages) < 2:
        print(f"check_pages: no walkthrough pages under {root} (run `swift run -c release walkthroughs` first)", file=sys.stderr)
        return 2
    started = time.time()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        for page in pages:
            name = os.path.basename(os.path.dirname(os.path.abspath(page))) if page != pages[0] else "index"
            summary, problems = check(browser, page, scratch, os.path.join(keep, name + ".png") if keep else None)
            print(f"{'FAIL' if problems else 'ok  '}  {page}: {summary}")
            for problem in problems:
                print(f"      {problem}")
            failed += bool(problems)
    print(f"check_pages: {len(pages)} pages, {failed} failed, {time.time() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
