"""Browser test of the public site and the staff workspace in real headless
Chromium (issues #4, #16).

Opens the demo archive's home page, searches, narrows by a facet, opens an
item, checks that the zoom viewer loaded its image and that the browser
logged no errors, and saves screenshots at phone and desktop widths. Then
signs in as a librarian, edits an item's title, finds it in the public
search, and undoes the edit. Every page type is checked with axe-core
(WCAG 2.1 A and AA rules): no violations.

Usage: python3 browser_test.py BASE_URL SCREENSHOT_DIR
Environment: AXE_JS (path of axe.min.js), STAFF_USER, STAFF_PASSWORD.
"""

import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait


def browser(width):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},900",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # A headless window has a minimum width; emulate the phone's viewport exactly.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    return driver


# Checks that passed, for the closing line (CI sums every check's count).
passed = 0


def check(condition, message):
    global passed
    assert condition, message
    passed += 1


AXE_SOURCE = open(os.environ["AXE_JS"], encoding="utf-8").read()
# Pages axe-core looked at, for the closing line.
audited = []


def audit(driver, name):
    """Runs axe-core's WCAG 2.1 A/AA rules on the page; fails on any violation."""
    driver.execute_script(AXE_SOURCE)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' — '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));"
    )
    check(not result, f"axe-core on {name}: " + "; ".join(result))
    audited.append(name)


def errors_in(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def walk_through(base, shots, width):
    driver = browser(width)
    wait = WebDriverWait(driver, 20)
    problems = []
    try:
        driver.get(base + "/")
        check("文渊" in driver.title, driver.title)
        driver.save_screenshot(os.path.join(shots, f"home-{width}.png"))
        audit(driver, f"home at {width}px")

        box = driver.find_element(By.NAME, "q")
        box.send_keys("耀州窑")
        box.submit()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".result-count")))
        results = driver.find_elements(By.CSS_SELECTOR, "a[href^='/items/']")
        check(results, "the search for 耀州窑 found nothing")
        driver.save_screenshot(os.path.join(shots, f"search-{width}.png"))
        audit(driver, f"search results at {width}px")
        total_before = driver.find_element(By.CSS_SELECTOR, ".result-count").text

        facet = driver.find_element(By.CSS_SELECTOR, "a[href*='f=institution']")
        driver.execute_script("arguments[0].scrollIntoView()", facet)
        driver.get(facet.get_attribute("href"))
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".result-count")))
        total_after = driver.find_element(By.CSS_SELECTOR, ".result-count").text
        check(total_after != total_before, f"the facet did not narrow: {total_before} → {total_after}")

        item_link = driver.find_element(By.CSS_SELECTOR, "a[href^='/items/']")
        driver.get(item_link.get_attribute("href"))
        image = wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "img.viewer-image")))
        wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
        check(True, "the zoom viewer loaded its image")
        driver.save_screenshot(os.path.join(shots, f"item-{width}.png"))
        audit(driver, f"item page at {width}px")

        # The demo's events: the list (with its filter form) and one event.
        driver.get(base + "/events")
        first = wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".event-list a.event-title")))
        driver.save_screenshot(os.path.join(shots, f"events-{width}.png"))
        audit(driver, f"events at {width}px")
        driver.get(first.get_attribute("href"))
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "dl.facts time")))
        audit(driver, f"event page at {width}px")
        problems += [f"{width}px: {entry['message']}" for entry in errors_in(driver)]
    finally:
        driver.quit()
    return problems


def public_total(driver, base, query):
    driver.get(base + "/search?q=" + query)
    return driver.find_element(By.CSS_SELECTOR, ".result-count").text


def staff_walk(base, shots):
    """A librarian signs in, corrects a title, sees it in the public search, undoes it."""
    driver = browser(1280)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(base + "/staff")
        wait.until(conditions.presence_of_element_located((By.NAME, "username")))
        check("/staff/login" in driver.current_url, driver.current_url)
        audit(driver, "staff sign-in")
        driver.find_element(By.ID, "username").send_keys(os.environ["STAFF_USER"])
        driver.find_element(By.ID, "password").send_keys(os.environ["STAFF_PASSWORD"])
        driver.find_element(By.CSS_SELECTOR, "form.staff-form button[type=submit]").click()
        wait.until(conditions.presence_of_element_located((By.ID, "staff-q")))
        audit(driver, "staff overview")

        box = driver.find_element(By.ID, "staff-q")
        box.send_keys("照片")
        box.submit()
        link = wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".staff-hits a")))
        driver.get(link.get_attribute("href"))
        title = wait.until(conditions.presence_of_element_located((By.NAME, "title")))
        audit(driver, "staff edit form")
        driver.save_screenshot(os.path.join(shots, "staff-edit.png"))
        marker = "浏览器测试改题"
        before = public_total(driver, base, marker)
        driver.back()
        title = wait.until(conditions.presence_of_element_located((By.NAME, "title")))
        old_title = title.get_attribute("value")
        title.clear()
        title.send_keys(marker + old_title)
        driver.find_element(By.CSS_SELECTOR, "form.staff-form button[type=submit]").click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
        edit_url = driver.current_url.split("?")[0]
        after = public_total(driver, base, marker)
        check(after != before, f"the public search did not follow the edit: {before} → {after}")

        driver.get(edit_url + "/history")
        undo = wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "table.changes button")))
        audit(driver, "staff history")
        undo.click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
        check(driver.find_element(By.NAME, "title").get_attribute("value") == old_title, "undo put the old title back")
        check(public_total(driver, base, marker) == before, "the public search followed the undo")
        # Edit by sheet: upload a sheet that retitles this record, see the preview.
        driver.get(base + "/staff/sheet")
        upload = wait.until(conditions.presence_of_element_located((By.ID, "sheet-file")))
        audit(driver, "staff sheet")
        item_id = edit_url.rstrip("/").rsplit("/", 1)[1]
        sheet = os.path.join(shots, "retitle.csv")
        with open(sheet, "w", encoding="utf-8-sig") as file:
            file.write(f"id,题名\n{item_id},{marker}{old_title}\n")
        upload.send_keys(os.path.abspath(sheet))
        upload.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "table.changes")))
        check(marker in driver.page_source, "the sheet preview shows the new title")
        audit(driver, "staff sheet preview")
        problems = [f"staff: {entry['message']}" for entry in errors_in(driver)]
        # The staff message page (an item that does not exist) and the
        # public error page (the template a withdrawn item's 410 uses); the
        # browser logs their 404 status, which is what they are for.
        driver.get(base + "/staff/items/wnotanitem00")
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "p[role=alert]")))
        audit(driver, "staff message")
        driver.get(base + "/items/wnotanitem00")
        wait.until(conditions.presence_of_element_located((By.TAG_NAME, "h1")))
        audit(driver, "public error page")
        problems += [
            f"staff: {entry['message']}"
            for entry in errors_in(driver)
            if "status of 404" not in entry["message"]
        ]
    finally:
        driver.quit()
    return problems


def main():
    base, shots = sys.argv[1].rstrip("/"), sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    problems = []
    for width in (390, 1280):
        problems += walk_through(base, shots, width)
    problems += staff_walk(base, shots)
    print(f"axe-core: {len(audited)} pages, no WCAG 2.1 AA violations ({', '.join(audited)})")
    if problems:
        print("console errors:\n" + "\n".join(problems))
        print(f"browser: {passed + 1} checks ran, 1 failed")
        sys.exit(1)
    print(f"screenshots in {shots}")
    # The last check: no console errors at either width.
    print(f"browser: {passed + 1} checks ran, 0 failed")


if __name__ == "__main__":
    main()
