#!/usr/bin/env python3
"""Drives the web console in headless Chromium (Selenium + chromium-driver) against a
running adserver: sign in, a bad bid refused next to its field, a campaign created
through the form, listed, serving through POST /v1/ads, paused, and invisible to
another advertiser's key. Screenshots of the main pages go to --screenshots.

Exit 0 when every step held; otherwise a message naming the step, and exit 1.
"""
import argparse
import json
import time
import urllib.request

from browser_support import checker, start_chromium
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--other-key", required=True, help="an advertiser key of another advertiser")
    parser.add_argument("--screenshots")
    args = parser.parse_args()

    driver = start_chromium()
    driver.implicitly_wait(5)
    base = args.url.rstrip("/")

    def shot(name):
        if args.screenshots:
            driver.save_screenshot(f"{args.screenshots}/console-{name}.png")

    check = checker(driver, lambda: f"at {driver.current_url}\n{driver.page_source[:2000]}")

    def submit_and_wait(selector, url_part=None):
        """Submits a form and waits for the next page (and, if given, for its address)."""
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, selector).click()

        def replaced(_):
            # Chromium reports a detached node either as a stale reference or, mid-navigation,
            # as "Node … does not belong to the document": both mean the page was replaced.
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True

        WebDriverWait(driver, 10).until(replaced)
        if url_part:
            try:
                WebDriverWait(driver, 10).until(expected_conditions.url_contains(url_part))
            except Exception:
                pass

    def sign_in(key):
        driver.get(base + "/console/")
        check("/console/signin" in driver.current_url, "signed out, /console/ leads to sign-in")
        driver.find_element(By.ID, "f-key").send_keys(key)
        submit_and_wait("form.edit button[type=submit]", "/console/campaigns")
        check("/console/campaigns" in driver.current_url, "signed in")

    try:
        driver.get(base + "/console/signin")
        shot("signin")
        driver.find_element(By.ID, "f-key").send_keys("vk_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrong00")
        submit_and_wait("form.edit button[type=submit]")
        check("not valid" in driver.find_element(By.ID, "signin-error").text, "a wrong key is refused")

        sign_in(args.admin_key)
        cookie = driver.get_cookie("vickrey_session")
        check(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", "the session cookie is HttpOnly and SameSite=Strict")

        driver.get(base + "/console/campaigns/new")
        fields = {
            "id": "browser-made", "advertiser_id": "acme", "name": "Made in a browser", "bid": "-2",
            "total_budget": "100", "placements": "home_feed", "creative_size": "300x250",
            "creative_image_url": "https://cdn.example/browser.png", "creative_click_url": "https://acme.example/browser",
        }
        for name, value in fields.items():
            element = driver.find_element(By.ID, f"f-{name}")
            element.clear()
            element.send_keys(value)
        submit_and_wait("form.edit button[type=submit]")
        error = driver.find_element(By.ID, "error-bid")
        check("amount" in error.text, "a negative bid is refused next to the bid field")
        check(driver.find_element(By.ID, "f-name").get_attribute("value") == "Made in a browser", "the form keeps what was typed")
        shot("form-error")
        bid = driver.find_element(By.ID, "f-bid")
        bid.clear()
        bid.send_keys("2.50")
        submit_and_wait("form.edit button[type=submit]", "/console/campaigns/browser-made")
        check(driver.current_url.endswith("/console/campaigns/browser-made"), "the campaign is created")
        check(driver.find_element(By.ID, "status").text == "active", "the new campaign is active")

        driver.get(base + "/console/campaigns")
        check(len(driver.find_elements(By.ID, "campaign-browser-made")) == 1, "the campaign is in the list")
        shot("campaigns")

        served = None
        for _ in range(40):  # the index picks up the change within a poll interval
            request = urllib.request.Request(
                base + "/v1/ads", method="POST", headers={"Content-Type": "application/json"},
                data=json.dumps({"placements": [{"id": "home_feed", "sizes": ["300x250"]}]}).encode())
            answer = json.load(urllib.request.urlopen(request))
            served = [ad["campaign_id"] for ad in answer["ads"]]
            if served == ["browser-made"]:
                break
            time.sleep(0.1)
        check(served == ["browser-made"], f"the campaign serves through POST /v1/ads (served {served})")
        urllib.request.urlopen(answer["ads"][0]["impression_url"]).read()

        driver.get(base + "/console/campaigns/browser-made")
        check(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect"), "the campaign page draws delivery by hour")
        shot("campaign")
        submit_and_wait("#pause")
        check(driver.find_element(By.ID, "status").text == "paused", "paused from its page")
        driver.find_element(By.ID, "history").click()
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("/console/audit?campaign=browser-made"))
        rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
        check(len(rows) == 2 and "campaign.pause" in rows[0] and "campaign.create" in rows[1],
              f"the campaign's history lists its creation and its pause, newest first ({rows})")
        check('status: "active" → "paused"' in rows[0], "and what the pause changed")
        shot("audit")
        driver.get(base + "/console/reports")
        check("browser-made" in driver.find_element(By.ID, "report").text, "the report lists its delivery")
        shot("reports")
        # Sidebar traffic from 60 users, split by the sidebar experiment; each ad's impression fired.
        for user in range(60):
            request = urllib.request.Request(
                base + "/v1/ads", method="POST", headers={"Content-Type": "application/json"},
                data=json.dumps({"user": {"id": f"user-{user}"}, "placements": [{"id": "sidebar"}]}).encode())
            for ad in json.load(urllib.request.urlopen(request))["ads"]:
                urllib.request.urlopen(ad["impression_url"]).read()
        time.sleep(1.5)  # auction counts are made durable every second
        driver.get(base + "/console/experiments")
        check("sidebar-floors" in driver.page_source and "high-floor" in driver.page_source, "the experiment's arms are listed")
        shot("experiments")

        # A standard line item: its status, its delivery against the ideal curve, and a forecast.
        driver.get(base + "/console/campaigns/acme-goal")
        check("standard:" in driver.find_element(By.ID, "line-item-status").text, "the line item's delivery status is shown")
        check(driver.find_elements(By.ID, "goal-chart"), "its delivery is charted against the ideal curve")
        shot("line-item")
        submit_and_wait("#check-availability", "/forecast")
        check(int(driver.find_element(By.ID, "forecast-matched").text) > 0, "check availability counts matching requests")
        check(driver.find_elements(By.ID, "forecast-available"), "and says what is available")
        shot("forecast")

        driver.get(base + "/console/campaigns")
        submit_and_wait("nav form button[type=submit]", "/console/signin")
        check("/console/signin" in driver.current_url, "signed out")

        sign_in(args.other_key)
        check(not driver.find_elements(By.ID, "campaign-browser-made"), "another advertiser does not see the campaign")
        check(not driver.find_elements(By.LINK_TEXT, "New campaign"), "an advertiser is not offered campaign creation")
        driver.get(base + "/console/campaigns/browser-made")
        check("No campaign" in driver.page_source, "nor can it open the campaign by id")
        shot("advertiser-view")
    finally:
        driver.quit()
    print("console: every step held")


if __name__ == "__main__":
    main()
