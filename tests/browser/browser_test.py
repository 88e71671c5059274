"""Browser test of the public site in real headless Chromium (issue #4).

Opens the demo archive's home page, searches, narrows by a facet, opens an
item, checks that the zoom viewer loaded its image and that the browser
logged no errors, and saves screenshots at phone and desktop widths.

Usage: python3 browser_test.py BASE_URL SCREENSHOT_DIR
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

        box = driver.find_element(By.NAME, "q")
        box.send_keys("耀州窑")
        box.submit()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ".result-count")))
        results = driver.find_elements(By.CSS_SELECTOR, "a[href^='/items/']")
        check(results, "the search for 耀州窑 found nothing")
        driver.save_screenshot(os.path.join(shots, f"search-{width}.png"))
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
        problems += [f"{width}px: {entry['message']}" for entry in errors_in(driver)]
    finally:
        driver.quit()
    return problems


def main():
    base, shots = sys.argv[1].rstrip("/"), sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    problems = []
    for width in (390, 1280):
        problems += walk_through(base, shots, width)
    if problems:
        print("console errors:\n" + "\n".join(problems))
        print(f"browser: {passed + 1} checks ran, 1 failed")
        sys.exit(1)
    print(f"screenshots in {shots}")
    # The last check: no console errors at either width.
    print(f"browser: {passed + 1} checks ran, 0 failed")


if __name__ == "__main__":
    main()
