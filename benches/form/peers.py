"""The peers of the form challenge, on the same Chromium: plain Selenium
(send_keys, and one execute_script per round as the floor), and helpers for
the Robot Framework suite (form.robot). Each prints the page's own time.

Usage: peers.py selenium-send-keys|selenium-execute-script URL CSV
"""

import csv
import re
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="bench-profile-"))
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def field(driver, label):
    return driver.find_element(By.XPATH, f"//input[@id=//label[normalize-space(.)='{label}']/@for]")


FILL_AND_SUBMIT = """
const values = arguments[0];
for (const label of document.querySelectorAll('#form label')) {
  const input = document.getElementById(label.htmlFor);
  input.value = values[label.textContent];
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
}
document.querySelector('#form button').click();
"""


def main():
    mode, url, rows = sys.argv[1], sys.argv[2], read_rows(sys.argv[3])
    driver = open_browser()
    try:
        driver.get(url)
        driver.find_element(By.ID, "start").click()
        for row in rows:
            if mode == "selenium-send-keys":
                for label, value in row.items():
                    field(driver, label).send_keys(value)
                driver.find_element(By.XPATH, "//button[normalize-space(.)='Skicka']").click()
            else:
                driver.execute_script(FILL_AND_SUBMIT, row)
        result = driver.find_element(By.ID, "result").text
        print(re.search(r"(\d+) ms", result).group(1))
    finally:
        driver.quit()


class FormPeer:
    """Keywords for form.robot: a browser with the flags this machine needs, and the CSV."""

    def open_bench_browser(self, url):
        from robot.libraries.BuiltIn import BuiltIn
        driver = open_browser()
        driver.get(url)
        BuiltIn().get_library_instance("SeleniumLibrary").register_driver(driver, "bench")

    def read_form_rows(self, path):
        return read_rows(path)


if __name__ == "__main__":
    main()
