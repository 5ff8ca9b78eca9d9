#!/usr/bin/env python3
"""Drives the web console in headless Chromium (Selenium + chromium-driver) against a
running adserver, through every page as an admin and then as an advertiser: sign in, a bad
bid refused next to its field, a campaign created through the form (advertiser from a
menu), listed, serving through POST /v1/ads, its page (settings, creative preview, hourly
chart with dates), edited (frequency cap, hours of the week), paused, its history in the
audit log; line items; a report by placement over today with totals and a CSV link; an
experiment started from the form and stopped; a line item's page and its availability;
then another advertiser's key: its own campaigns, page and reports only. Screenshots of
the pages go to --screenshots.

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
from selenium.webdriver.support.ui import Select, WebDriverWait


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


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
        """Saves the whole page (up to 2,400 pixels tall), then restores the window."""
        if args.screenshots:
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(max(height + 140, 900), 2400))
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(f"{args.screenshots}/console-{name}.png")
            driver.set_window_size(1280, 900)

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
            "id": "browser-made", "name": "Made in a browser", "bid": "-2",
            "total_budget": "100", "placements": "home_feed", "cr0_size": "300x250",
            "cr0_image_url": "https://cdn.example/browser.png", "cr0_click_url": "https://acme.example/browser",
        }
        Select(driver.find_element(By.ID, "f-advertiser_id")).select_by_value("acme")
        check(Select(driver.find_element(By.ID, "f-pricing")).first_selected_option.get_attribute("value") == "cpm",
              "pricing is a menu, cpm by default")
        for name, value in fields.items():
            element = driver.find_element(By.ID, f"f-{name}")
            element.clear()
            element.send_keys(value)
        submit_and_wait("#save")
        error = driver.find_element(By.ID, "error-bid")
        check("amount" in error.text, "a negative bid is refused next to the bid field")
        check(driver.find_element(By.ID, "f-name").get_attribute("value") == "Made in a browser", "the form keeps what was typed")
        shot("form-error")
        bid = driver.find_element(By.ID, "f-bid")
        bid.clear()
        bid.send_keys("2.50")
        submit_and_wait("#save", "/console/campaigns/browser-made")
        check(driver.current_url.endswith("/console/campaigns/browser-made"), "the campaign is created")
        check(driver.find_element(By.ID, "status").text == "active", "the new campaign is active")

        driver.get(base + "/console/campaigns")
        check(len(driver.find_elements(By.ID, "campaign-browser-made")) == 1, "the campaign is in the list")
        pager = driver.find_element(By.ID, "pager").text
        check(pager.startswith("Campaigns 1–50 of 10005"), f"the list holds 10,005 campaigns, 50 to a page ({pager})")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#campaigns tbody tr")) == 50, "one page shows 50")
        shot("campaigns")
        submit_and_wait("#next", "page=2")
        check(driver.find_element(By.ID, "pager").text.startswith("Campaigns 51–100 of 10005"), "the next page")
        driver.find_element(By.LINK_TEXT, "Bid").click()
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("sort=bid"))
        top = [row.get_attribute("id")[len("campaign-"):] for row in driver.find_elements(By.CSS_SELECTOR, "#campaigns tbody tr")[:5]]
        check(top == ["browser-made", "acme-goal", "acme-brand", "bulk-09999", "bulk-09998"], f"sorted by bid, the highest first ({top})")
        search = driver.find_element(By.NAME, "q")
        search.send_keys("browser")
        submit_and_wait("#filters button[type=submit]", "q=browser")
        rows = [row.get_attribute("id") for row in driver.find_elements(By.CSS_SELECTOR, "#campaigns tbody tr")]
        check(rows == ["campaign-browser-made"], f"a search finds the one campaign among 10,005 ({rows})")

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
        # Fired as a browser would (a script's own user agent is invalid traffic, recorded unbilled).
        urllib.request.urlopen(urllib.request.Request(answer["ads"][0]["impression_url"], headers={"User-Agent": BROWSER})).read()

        for _ in range(40):  # the impression reaches the ledger within a group commit
            driver.get(base + "/console/campaigns/browser-made")
            if "1 impressions" in driver.page_source:
                break
            time.sleep(0.1)
        check("1 impressions" in driver.page_source, "the campaign page counts its impression from the ledger")
        check(driver.find_elements(By.CSS_SELECTOR, "svg.chart rect"), "the campaign page draws delivery by hour")
        check(driver.find_elements(By.CSS_SELECTOR, "#hourly-chart text.date"), "the chart's axis shows dates")
        check(driver.find_elements(By.CSS_SELECTOR, "figure.preview img[referrerpolicy=no-referrer]"),
              "the banner is previewed, without a referrer")
        shot("campaign")

        # The edit form: every field, a frequency cap and business hours set from menus and boxes.
        driver.get(base + "/console/campaigns/browser-made/edit")
        check(driver.find_element(By.ID, "f-advertiser_id").get_attribute("readonly") is not None, "the advertiser is fixed on edit")
        cap = driver.find_element(By.ID, "f-cap_impressions")
        cap.clear()
        cap.send_keys("3")
        window = driver.find_element(By.ID, "f-cap_window")
        window.clear()
        window.send_keys("1")
        Select(driver.find_element(By.ID, "f-cap_unit")).select_by_value("days")
        for hour in range(9, 18):  # Monday 09:00-17:59
            driver.find_element(By.ID, f"f-hour_{hour}").click()
        Select(driver.find_element(By.ID, "f-time_zone")).select_by_value("Europe/Paris")
        shot("edit")
        submit_and_wait("#save", "/console/campaigns/browser-made")
        check(driver.find_element(By.ID, "frequency-cap").text.startswith("3 per 1 day"), "the cap is saved")
        check("Europe/Paris" in driver.find_element(By.ID, "flight").text, "the time zone is saved")
        submit_and_wait("#pause")
        check(driver.find_element(By.ID, "status").text == "paused", "paused from its page")
        driver.find_element(By.ID, "history").click()
        WebDriverWait(driver, 10).until(expected_conditions.url_contains("/console/audit?campaign=browser-made"))
        rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
        check(len(rows) == 3 and "campaign.pause" in rows[0] and "campaign.update" in rows[1] and "campaign.create" in rows[2],
              f"the campaign's history lists its creation, its edit and its pause, newest first ({rows})")
        check('status: "active" → "paused"' in rows[0], "and what the pause changed")
        shot("audit")
        driver.get(base + "/console/reports")
        check("browser-made" in driver.find_element(By.ID, "report").text, "the report lists its delivery")
        driver.find_element(By.LINK_TEXT, "Today").click()
        Select(driver.find_element(By.ID, "report-by")).select_by_value("placement")
        submit_and_wait("#show-report", "by=placement")
        check("home_feed" in driver.find_element(By.ID, "report").text, "a report by placement over today")
        check(driver.find_element(By.ID, "report-total").text.startswith("Total"), "with a total row")
        check("/console/reports/csv?by=placement" in driver.find_element(By.ID, "download-csv").get_attribute("href"),
              "and the same rows as CSV")
        shot("reports")
        # Sidebar traffic from 60 users, split by the sidebar experiment; each ad's impression fired.
        for user in range(60):
            request = urllib.request.Request(
                base + "/v1/ads", method="POST", headers={"Content-Type": "application/json"},
                data=json.dumps({"user": {"id": f"user-{user}"}, "placements": [{"id": "sidebar"}]}).encode())
            for ad in json.load(urllib.request.urlopen(request))["ads"]:
                urllib.request.urlopen(urllib.request.Request(ad["impression_url"], headers={"User-Agent": BROWSER})).read()
        time.sleep(1.5)  # auction counts are made durable every second
        driver.get(base + "/console/experiments")
        check("sidebar-floors" in driver.page_source and "high-floor" in driver.page_source, "the experiment's arms are listed")
        check(driver.find_elements(By.ID, "srm-sidebar-floors"), "the sample-ratio check is stated")
        for name, value in {"exp_id": "footer-floors", "exp_placements": "footer", "arm1_name": "floor-50", "arm1_floor": "0.50"}.items():
            element = driver.find_element(By.ID, f"f-{name}")
            element.clear()
            element.send_keys(value)
        submit_and_wait("#start-experiment", "#experiment-footer-floors")
        check(driver.find_elements(By.ID, "experiment-footer-floors"), "an experiment is started from the form")
        shot("experiments")
        submit_and_wait("#stop-footer-floors")
        check(not driver.find_elements(By.ID, "stop-footer-floors") and "stopped" in driver.find_element(By.ID, "experiment-footer-floors").text,
              "and stopped from its section")

        driver.get(base + "/console/line-items")
        check(driver.find_elements(By.ID, "line-item-acme-goal"), "the line items page lists the standard item")
        shot("line-items")

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
        check(driver.find_elements(By.ID, "campaign-zeta-own"), "an advertiser sees its own campaign")
        check(not driver.find_elements(By.ID, "campaign-browser-made"), "another advertiser does not see the campaign")
        check(not driver.find_elements(By.LINK_TEXT, "Experiments") and not driver.find_elements(By.LINK_TEXT, "Audit log"),
              "an advertiser is not offered experiments or the audit log")
        driver.get(base + "/console/campaigns/zeta-own")
        check(driver.find_element(By.ID, "status").text == "active" and not driver.find_elements(By.LINK_TEXT, "Edit"),
              "its campaign's page, without an edit link")
        driver.get(base + "/console/reports?by=placement")
        check("home_feed" not in driver.find_element(By.ID, "report").text, "its reports hold none of another's delivery")
        driver.get(base + "/console/line-items")
        check(not driver.find_elements(By.ID, "line-item-acme-goal"), "nor another's line items")
        driver.get(base + "/console/experiments")
        check("403" in driver.page_source or "forbidden" in driver.page_source.lower(), "experiments are refused")
        driver.get(base + "/console/campaigns")
        check(not driver.find_elements(By.LINK_TEXT, "New campaign"), "an advertiser is not offered campaign creation")
        driver.get(base + "/console/campaigns/browser-made")
        check("No campaign" in driver.page_source, "nor can it open the campaign by id")
        shot("advertiser-view")
    finally:
        driver.quit()
    print("console: every step held")


if __name__ == "__main__":
    main()
