"""What the browser tests share: headless Chromium started the same way, and a check that
stops the test with what the browser showed."""
import http.server
import sys
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

# An ordinary desktop Chrome: headless Chromium's own user agent is on the robot list
# (docs/counting.md), and test traffic must look like a person's.
TEST_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


def start_chromium(user_agent=None):
    """Headless Chromium at 1280x900; tried three times, as its first start on a busy
    machine can miss the driver's deadline. Exits 1 when it never starts."""
    options = Options()
    flags = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"]
    if user_agent:
        flags.append(f"--user-agent={user_agent}")
    for flag in flags:
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    for attempt in range(3):
        try:
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            driver.set_page_load_timeout(30)
            return driver
        except Exception as error:  # noqa: BLE001 - reported, then retried
            print(f"chromium did not start (attempt {attempt + 1}): {error}", file=sys.stderr)
            time.sleep(1)
    sys.exit(1)


def checker(driver, context=lambda: ""):
    """check(condition, step): prints the step, or on failure what `context()` says and exits 1."""
    def check(condition, step):
        if not condition:
            print(f"FAILED: {step}", file=sys.stderr)
            detail = context()
            if detail:
                print(detail, file=sys.stderr)
            driver.quit()
            sys.exit(1)
        print(f"ok: {step}")
    return check


def serve(page):
    """Serves `page` at / on a free local port (the publisher's site); returns its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"
